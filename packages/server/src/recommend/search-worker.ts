import { parentPort } from 'node:worker_threads';
import { readHnswIndex, type HnswIndex } from './hnsw-search.js';
import type { SearchAnswer, SearchOrder } from './search-thread.js';

/**
 * The search thread (`SearchThread`): holds the HNSW indexes of the content models served, each
 * over the item vectors the serving thread shares with it, and answers their searches in the
 * order they were posted, so the serving thread never runs one (a few milliseconds each in a
 * catalogue of a million). The changes between trainings (items left out, added, re-embedded,
 * taken out) arrive in the same order as the searches, so a search sees every change posted
 * before it.
 */
const indexes = new Map<number, HnswIndex>();

function answer(order: SearchOrder): SearchAnswer | undefined {
  switch (order.op) {
    case 'open':
      indexes.set(order.id, readHnswIndex(order.content, order.file, order.options, order.leftOut));
      return { seq: order.seq, ok: true };
    case 'close':
      indexes.delete(order.id);
      return undefined;
    case 'leftOut':
      indexes.get(order.id)?.setLeftOut(order.item, order.out);
      return undefined;
    case 'upsert':
      indexes.get(order.id)?.upsert(order.item, order.vector);
      return undefined;
    case 'remove':
      indexes.get(order.id)?.remove(order.item);
      return undefined;
    case 'search': {
      const index = indexes.get(order.id);
      if (index === undefined) return { seq: order.seq, ok: false, error: 'no such index' };
      const found = index.search(order.query, order.k);
      const items = new Int32Array(found.length);
      const similarities = new Float64Array(found.length);
      found.forEach(({ item, similarity }, i) => {
        items[i] = item;
        similarities[i] = similarity;
      });
      return { seq: order.seq, ok: true, items, similarities };
    }
  }
}

parentPort?.on('message', (order: SearchOrder) => {
  let reply: SearchAnswer | undefined;
  try {
    reply = answer(order);
  } catch (error) {
    // An open or a search that failed answers its own seq; a change that failed, seq -1.
    reply = { seq: 'seq' in order ? order.seq : -1, ok: false, error: (error as Error).message };
  }
  if (reply === undefined) return;
  // Made here, so plain ArrayBuffers: transferred, not copied.
  const transfer = reply.ok ? [reply.items?.buffer, reply.similarities?.buffer] : [];
  parentPort?.postMessage(
    reply,
    transfer.filter((b) => b !== undefined).map((b) => b as ArrayBuffer),
  );
});
