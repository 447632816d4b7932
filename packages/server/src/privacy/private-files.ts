import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * The data folder and the files in it are its owner's alone: the folder is made 0700 and every file
 * Tailor creates in it 0600 (SQLite derives its -wal and -shm files' mode from the database file's).
 * Modes are set when a file is created, not by changing the process umask: the umask is
 * process-wide and would also apply to what commands write elsewhere (`--out` files), and creating
 * with the mode leaves no moment when a file is readable by others.
 */

/**
 * Makes the data folder (0700) when missing. Returns a warning when the folder, made before or by
 * someone else, can be read or entered by others (mode & 0o077): its files hold personal data.
 */
export function makeDataFolder(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return undefined;
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `the data folder ${dir} is open to other users (mode ${mode.toString(8).padStart(4, '0')}); its files hold personal data: chmod 700 ${dir}`;
}

/** Creates an empty file readable by its owner only, unless it exists (then it is left as it is). */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
}

/**
 * Writes a secret (a key file) so that a crash never leaves it half-written or lost: written to a
 * file aside (0600), fsynced, renamed over `file` (or linked to it when `replace` is false, which
 * fails when it exists), then the folder fsynced so the new name is on disk too.
 * Returns false when `replace` is false and the file already existed (nothing was written).
 */
export function writeFileDurably(
  file: string,
  text: string,
  { replace }: { replace: boolean },
): boolean {
  const aside = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(aside, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (replace) renameSync(aside, file);
    else {
      try {
        linkSync(aside, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
  fsyncFolder(dirname(file));
  return true;
}

/** Makes a folder's entries (a file just created or renamed in it) durable. */
function fsyncFolder(dir: string): void {
  if (process.platform === 'win32') return; // folders cannot be opened for fsync there
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
