import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TailorError } from '@tailor/core';

/**
 * `serve.pid` in the data folder while a server runs on it, so commands that rewrite the files
 * under it (key rotation) refuse to run beside it. A file left by a server that died is ignored.
 */
export function serverUsing(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile(dataDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Marks the data folder as served by this process; the returned function unmarks it. */
export function lockForServe(dataDir: string): () => void {
  const other = serverUsing(dataDir);
  if (other !== undefined)
    throw new TailorError('conflict', `${dataDir} is already served by process ${other}`);
  writeFileSync(lockFile(dataDir), String(process.pid), { mode: 0o600 });
  return () => {
    rmSync(lockFile(dataDir), { force: true });
  };
}

function lockFile(dataDir: string): string {
  return join(dataDir, 'serve.pid');
}
