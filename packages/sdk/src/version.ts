// Replaced with packages/sdk/package.json's version by the build (esbuild `define`).
declare const __TAILOR_VERSION__: string;

export const VERSION: string = __TAILOR_VERSION__;
