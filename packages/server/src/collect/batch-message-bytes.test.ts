import { describe, expect, it } from 'vitest';
import { batchMessageBytes } from './batch-message-bytes.js';

const ELEMENTS = [
  '{"type":"track","event":"A"}',
  '{ "s" : "quote \\" and brackets ]} in a string", "t": "é ü 日本 🎉" }',
  '{"n":[1e20, 2 ,3.5e-3],"o":{"deep":[{"x":null},true,false]}}',
  '{"escapes":"\\\\ \\/ \\u00e9 \\n"}',
  '{}',
];

const bytes = (texts: string[]) => texts.map((t) => Buffer.byteLength(t));

describe('batchMessageBytes', () => {
  it.each([
    ['compact', `{"batch":[${ELEMENTS.join(',')}]}`, ELEMENTS],
    [
      'spaced, pretty-printed',
      `{\n  "batch" : [\n    ${ELEMENTS.join(' ,\n    ')}\n  ]\n}`,
      ELEMENTS,
    ],
    [
      'other keys first and after',
      `{"writeKey":"k","context":{"batch":[1,2]},"sentAt":"2026-01-01T00:00:00Z","batch":[${ELEMENTS.join(',')}],"n":-1.5e3}`,
      ELEMENTS,
    ],
    [
      'a repeated key: the last one, as JSON.parse',
      `{"batch":[{"a":1}],"batch":[${ELEMENTS.join(',')}]}`,
      ELEMENTS,
    ],
    ['empty', '{"batch":[]}', []],
    [
      'elements that are not objects',
      '{"batch":[ 12 , "text", null ,[1,[2]] ]}',
      ['12', '"text"', 'null', '[1,[2]]'],
    ],
  ])('reads each message as sent: %s', (_name, text, elements) => {
    const parsed = JSON.parse(text) as { batch: unknown[] };
    expect(batchMessageBytes(text, parsed.batch.length)).toEqual(bytes(elements));
  });

  it('gives up on what it does not expect: an escaped key, a count that differs, no object', () => {
    expect(
      batchMessageBytes(`{"b\\u0061tch":[${ELEMENTS.join(',')}]}`, ELEMENTS.length),
    ).toBeUndefined();
    expect(
      batchMessageBytes(`{"batch":[${ELEMENTS.join(',')}]}`, ELEMENTS.length + 1),
    ).toBeUndefined();
    expect(batchMessageBytes(`[${ELEMENTS.join(',')}]`, ELEMENTS.length)).toBeUndefined();
    expect(batchMessageBytes('{"messages":[]}', 0)).toBeUndefined();
  });
});
