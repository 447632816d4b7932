/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */

/**
 * Ids numbered 0..length-1 held in typed arrays, with a hash index from id to number: what a
 * served model keeps of its items and people instead of an array of strings and a Map. A
 * million ids as strings are a million objects that every full collection of the heap marks
 * (tens of milliseconds on the thread answering requests, docs/recommendations.md); here they
 * are three arrays the collector does not look into. Plain data, so a table crosses to and from
 * a worker thread (its buffers transferred) and through `v8.serialize` as it is.
 */
export interface IdTable {
  length: number;
  /** The ids' UTF-16 code units one after another (room to spare at the end). */
  chars: Uint16Array;
  /** Where each id ends in `chars`; id i starts where id i-1 ends (0 for the first). Room to spare. */
  ends: Int32Array;
  /** Open addressing by the id's hash: a slot holds its id's number + 1, 0 when empty. */
  slots: Int32Array;
  /**
   * Where every hash starts: the caller picks it at random (ids come from events anyone with the
   * write key sends, so they must not be choosable ahead to land in one slot and slow each look-up).
   */
  seed: number;
}

/** Ids numbered by their position: an array as built, or a table as served. */
export type IdList = readonly string[] | IdTable;

/** Slots are kept at most half full. */
const LOAD = 0.5;

/** FNV-1a over the id's UTF-16 code units from `seed`, then mixed (MurmurHash3's finalizer). */
function hashId(seed: number, id: string): number {
  let hash = seed;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return mixed(hash);
}

/** `hashId` of the id held in `chars[start..end)`. */
function hashHeld(seed: number, chars: Uint16Array, start: number, end: number): number {
  let hash = seed;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ chars[i]!, 0x01000193);
  return mixed(hash);
}

/** Every bit of the hash moves the low bits a slot is chosen by. */
function mixed(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function slotCount(ids: number): number {
  let size = 16;
  while (size * LOAD < ids) size *= 2;
  return size;
}

function startOf(table: IdTable, index: number): number {
  return index === 0 ? 0 : table.ends[index - 1]!;
}

function sameId(table: IdTable, index: number, id: string): boolean {
  const start = startOf(table, index);
  if (table.ends[index]! - start !== id.length) return false;
  for (let i = 0; i < id.length; i++) if (table.chars[start + i] !== id.charCodeAt(i)) return false;
  return true;
}

/** The slot holding `id`, else the empty slot where it would go. */
function slotOf(table: IdTable, id: string): number {
  const mask = table.slots.length - 1;
  let slot = hashId(table.seed, id) & mask;
  for (;;) {
    const held = table.slots[slot]!;
    if (held === 0 || sameId(table, held - 1, id)) return slot;
    slot = (slot + 1) & mask;
  }
}

/**
 * A table of `ids` in their order, hashed from `seed` (pick it at random: `IdTable.seed`), sized
 * for `capacity` of them (it grows past that); an id given again keeps its first number (and
 * adds none).
 */
export function idTable(ids: Iterable<string>, seed: number, capacity = 0): IdTable {
  const table: IdTable = {
    length: 0,
    chars: new Uint16Array(Math.max(16, capacity * 8)),
    ends: new Int32Array(Math.max(16, capacity)),
    slots: new Int32Array(slotCount(capacity)),
    seed: seed >>> 0,
  };
  for (const id of ids) addId(table, id);
  return table;
}

/** The number of `id` in the table, -1 when it holds no such id. */
export function indexOfId(table: IdTable, id: string): number {
  return table.slots[slotOf(table, id)]! - 1;
}

/** The number of `id`: its own when the table has it, else the next, the id appended. */
export function addId(table: IdTable, id: string): number {
  const found = indexOfId(table, id);
  if (found >= 0) return found;
  const index = table.length;
  const start = startOf(table, index);
  if (start + id.length > table.chars.length)
    table.chars = grown(table.chars, start + id.length) as Uint16Array;
  if (index + 1 > table.ends.length) table.ends = grown(table.ends, index + 1) as Int32Array;
  for (let i = 0; i < id.length; i++) table.chars[start + i] = id.charCodeAt(i);
  table.ends[index] = start + id.length;
  table.length = index + 1;
  if (table.length > table.slots.length * LOAD) rehash(table);
  else table.slots[slotOf(table, id)] = index + 1;
  return index;
}

/** A copy of `array` with room for at least `needed` (half as much again, so appends are cheap). */
function grown(array: Uint16Array | Int32Array, needed: number): Uint16Array | Int32Array {
  const size = Math.max(needed, Math.ceil(array.length * 1.5));
  const copy = array instanceof Uint16Array ? new Uint16Array(size) : new Int32Array(size);
  copy.set(array);
  return copy;
}

/** Slots for a table grown past its load: every id placed again (they are distinct). */
function rehash(table: IdTable): void {
  const slots = new Int32Array(slotCount(table.length));
  const mask = slots.length - 1;
  for (let index = 0; index < table.length; index++) {
    let slot = hashHeld(table.seed, table.chars, startOf(table, index), table.ends[index]!) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = index + 1;
  }
  table.slots = slots;
}

/** Whether a list of ids is a table (else an array). */
function isIdTable(ids: IdList): ids is IdTable {
  return !Array.isArray(ids);
}

/** The id numbered `index`, undefined out of range. */
export function idAt(ids: IdList, index: number): string | undefined {
  if (!isIdTable(ids)) return ids[index];
  if (!Number.isInteger(index) || index < 0 || index >= ids.length) return undefined;
  const end = ids.ends[index]!;
  let id = '';
  // A chunk at a time: an argument list has a limit, an id none.
  for (let at = startOf(ids, index); at < end; at += DECODED)
    id += String.fromCharCode(...ids.chars.subarray(at, Math.min(end, at + DECODED)));
  return id;
}

/** Code units made into a string per call. */
const DECODED = 4096;

/** The ids as an array, in order (a copy to hand to what takes an array, then let go). */
export function idsOf(ids: IdList): string[] {
  return Array.from({ length: ids.length }, (_, i) => idAt(ids, i) as string);
}

/** The buffers a table's arrays are views of (to transfer it to another thread). */
export function idTableBuffers(table: IdTable): ArrayBuffer[] {
  return [table.chars.buffer, table.ends.buffer, table.slots.buffer] as ArrayBuffer[];
}
