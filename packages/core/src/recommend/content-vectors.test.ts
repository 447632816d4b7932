import { describe, expect, it } from 'vitest';
import { contentVectors, embedText } from './content-vectors.js';
import { tfidfVectors } from './tfidf-vectors.js';

const texts = [
  'White metal lantern Lighting',
  'White hanging heart t-light holder Lighting',
  'Scented candle jar Lighting',
  'Red retrospot mug Kitchen',
  'Red retrospot teapot Kitchen red',
  'Jumbo bag red retrospot Bags',
  '',
  'Ça coûte 12 euros: café crème, CAFÉ noir',
];

describe('embedText', () => {
  it("embeds a trained item's text exactly as training did, bit for bit", () => {
    const content = contentVectors(tfidfVectors(texts), 64);
    texts.forEach((text, item) => {
      const row = content.vectors.subarray(item * 64, (item + 1) * 64);
      const embedded = embedText(content, text);
      if (content.known[item] === 0) expect(embedded).toBeUndefined();
      else expect(embedded).toEqual(row);
    });
  });

  it('weighs a new text by the trained idf and ignores terms training never saw', () => {
    const content = contentVectors(tfidfVectors(texts), 64);
    // Unknown words add nothing: the text is its known words'.
    expect(embedText(content, 'retrospot teapot unheardof zzz')).toEqual(
      embedText(content, 'retrospot teapot'),
    );
    expect(embedText(content, 'nothing known here')).toBeUndefined();
    // Nearer the teapot than the lantern, as its words say.
    const query = embedText(content, 'red teapot')!;
    const cosine = (item: number) =>
      query.reduce((sum, v, d) => sum + v * content.vectors[item * 64 + d]!, 0);
    expect(cosine(4)).toBeGreaterThan(0.5);
    expect(cosine(0)).toBeLessThan(0.1);
    expect(Math.hypot(...query)).toBeCloseTo(1, 6);
  });
});
