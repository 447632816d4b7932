import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * The background threads' nice value: when the cores are contended, such a thread gets about a
 * quarter of the time of one at the default 0 (Linux weighs nice 5 at 335 against 1,024).
 */
export const BACKGROUND_NICENESS = 5;

/**
 * Lowers the calling thread's scheduling priority (its nice value; Linux schedules threads one by
 * one, and `/proc/thread-self` names this one). Background threads call it so that, when the cores
 * are all busy, the request thread is served first and the background work takes the time left
 * (it catches up when the load drops); with a core to spare it changes nothing. Elsewhere, or
 * when the system refuses, the thread keeps the process's priority.
 */
export function lowerThreadPriority(niceness: number): void {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return;
  }
  if (!Number.isInteger(tid) || tid <= 0) return;
  try {
    setPriority(tid, niceness);
  } catch {
    // Not allowed here: the thread keeps the process's priority.
  }
}
