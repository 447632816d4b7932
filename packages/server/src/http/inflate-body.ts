import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TailorError } from '@tailor/core';

/** Inflated bytes per compressed byte past which a body is taken for a gzip bomb. */
export const MAX_INFLATION_RATIO = 100;
/** Below this inflated size the ratio is not checked: a short, repetitive message may deflate very well. */
const RATIO_FLOOR_BYTES = 32 * 1024;

/**
 * Gunzips a request body, refusing with 413 as soon as the compressed or the inflated size passes
 * `limit`, or the inflated/compressed ratio passes MAX_INFLATION_RATIO. Inflation stops there (the
 * source is unpiped and zlib destroyed), so a gzip bomb costs at most `limit` bytes of inflating.
 * `onRefuse` lets the caller close the connection after its answer.
 */
export function inflateBody(
  payload: Readable,
  limit: number,
  onRefuse: () => void = () => {},
): Readable {
  const gunzip = createGunzip();
  let compressed = 0;
  let inflated = 0;
  const count = (chunk: Buffer): void => {
    compressed += chunk.length;
    if (compressed > limit)
      refuse(new TailorError('payload_too_large', `the body is over the ${limit}-byte limit`));
  };
  const refuse = (error: TailorError): void => {
    payload.off('data', count);
    payload.unpipe(gunzip);
    gunzip.destroy();
    // The rest of the upload is read and dropped, not inflated, until the answer closes the
    // connection: a client blocked on sending would otherwise never read the 413.
    onRefuse();
    payload.resume();
    output.destroy(error);
  };
  const output = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      inflated += chunk.length;
      if (inflated > limit) {
        refuse(
          new TailorError('payload_too_large', `the body inflates past the ${limit}-byte limit`),
        );
      } else if (inflated > RATIO_FLOOR_BYTES && inflated > compressed * MAX_INFLATION_RATIO) {
        refuse(
          new TailorError(
            'payload_too_large',
            `the body inflates more than ${MAX_INFLATION_RATIO} times its compressed size`,
          ),
        );
      } else {
        callback(null, chunk);
      }
    },
  });
  payload.on('data', count);
  gunzip.on('error', (error) => {
    refuse(new TailorError('invalid_request', `the gzip body cannot be read: ${error.message}`));
  });
  payload.pipe(gunzip).pipe(output);
  return output;
}
