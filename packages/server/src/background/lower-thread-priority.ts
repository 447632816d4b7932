import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * How much nicer the background threads are than the process: when the cores are contended such a
 * thread gets about a quarter of the time of the request thread (Linux weighs nice 5 at 335
 * against 1,024 for nice 0).
 */
export const BACKGROUND_NICENESS = 5;

/**
 * Lowers the calling thread's scheduling priority by `niceness` from where it is (its nice value,
 * at most 19; Linux schedules threads one by one, and `/proc/thread-self` names this one).
 * Background threads call it so that, when the cores are all busy, the request thread is served
 * first and the background work takes the time left (it catches up when the load drops); with a
 * core to spare it changes nothing. Elsewhere, or when the system refuses, the thread keeps the
 * process's priority.
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
    setPriority(tid, Math.min(19, getPriority(tid) + niceness));
  } catch {
    // Not allowed here: the thread keeps the process's priority.
  }
}
