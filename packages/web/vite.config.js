import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @tailor/web` proxies the API to a `tailor serve` on TAILOR_URL (default port 8080).
const api = process.env.TAILOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // Hashed files under /dashboard/: one prefix the server serves, clear of the API's routes.
  build: { outDir: 'dist', assetsDir: 'dashboard', emptyOutDir: true, reportCompressedSize: false },
  server: { proxy: { '/v1': api, '/metrics': api, '/health': api } },
});
