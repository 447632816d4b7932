// A recommender fit kept on disk between bench runs (BENCH_CACHE): the fit of a 1,000,000-item
// content model (TF-IDF, hashing, the HNSW build) is 400 s of CPU, the same for the same inputs.
import { createHash, randomInt } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { idTable } from '@tailor/core';
import { HNSW_INDEX_FORMAT } from '../../packages/server/dist/recommend/hnsw-search.js';

/** A digest of everything a fit reads: the interactions, the method and its settings, the catalogue's text. */
function fitKey(request) {
  const { interactions, method, options, blend, contentOf, index } = request;
  const hash = createHash('sha256');
  // efSearch is read when searching, not when building: a fit serves every width.
  const { efSearch: _width, ...settings } = index?.settings ?? {};
  // The index file's format too: a fit cached by another index library is not this one's.
  const format = index === undefined ? undefined : HNSW_INDEX_FORMAT;
  hash.update(JSON.stringify({ method, options, blend, settings, upTo: index?.exactUpTo, format }));
  hash.update(interactions.users.join('\n'));
  hash.update(interactions.items.join('\n'));
  hash.update(new Uint8Array(interactions.times.buffer));
  hash.update((interactions.baskets ?? []).join('\n'));
  for (const [id, content] of contentOf ?? []) hash.update(`${id}\t${JSON.stringify(content)}\n`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * A fitter answering a fit already made for the same request from `dir` (its matrix and
 * parameters, and its HNSW index file copied to where the training reads it), else `fit`'s
 * answer, kept there for the next run. `onHit(key)` / `onMiss(key)` say which.
 */
export function cachingFitter(dir, fit, { onHit = () => {}, onMiss = () => {} } = {}) {
  mkdirSync(dir, { recursive: true });
  return async (request, signal) => {
    const key = fitKey(request);
    const fitted = join(dir, `fit-${key}.v8`);
    const indexFile = join(dir, `fit-${key}.hnsw`);
    if (existsSync(fitted)) {
      onHit(key);
      const value = deserialize(readFileSync(fitted));
      // A fit cached when matrices held their ids as arrays: as tables, as fits make them now.
      for (const ids of ['userIds', 'itemIds'])
        if (Array.isArray(value.matrix[ids]))
          value.matrix[ids] = idTable(
            value.matrix[ids],
            randomInt(2 ** 32),
            value.matrix[ids].length,
          );
      if (existsSync(indexFile) && request.index !== undefined) {
        copyFileSync(indexFile, request.index.file);
        value.indexFile = request.index.file;
      }
      return { ok: true, value };
    }
    onMiss(key);
    const answer = await fit(request, signal);
    if (!answer.ok) return answer;
    const { indexFile: written, ...kept } = answer.value;
    if (written !== undefined) copyFileSync(written, indexFile);
    // Written aside then renamed: a run stopped midway leaves no half a fit.
    writeFileSync(`${fitted}.part`, serialize(kept));
    renameSync(`${fitted}.part`, fitted);
    return answer;
  };
}
