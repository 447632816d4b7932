import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CatalogItemInput } from '@tailor/core';
import { CatalogHeaderError, importCatalogCsv, type RejectedRow } from './import-catalog-csv.js';

async function run(text: string, batchSize?: number) {
  const stored: CatalogItemInput[][] = [];
  const rejected: RejectedRow[] = [];
  const result = await importCatalogCsv(Readable.from([text]), {
    put: (items) => {
      stored.push(items);
      return Promise.resolve();
    },
    onRejected: (row) => rejected.push(row),
    ...(batchSize !== undefined && { batchSize }),
  });
  return { result, stored, items: stored.flat(), rejected };
}

describe('importCatalogCsv', () => {
  it('maps columns to item fields, the rest to attributes, and keeps ids and texts as written', async () => {
    const { items, rejected, result } = await run(
      '\uFEFFProduct_ID, Name ,category,brand,price,available,sku,attributes.organic,colour,zip,size\r\n' +
        '0001,"Mug, large",Home/Kitchen,Acme,4.5,yes,S-1,true,red,02134,1.50\r\n' +
        '0002,Uno,Games,,0,0,,false,,,12\r\n',
    );
    expect(rejected).toEqual([]);
    expect(result).toEqual({ rows: 2, stored: 2, rejected: 0 });
    expect(items).toEqual([
      {
        id: '0001',
        name: 'Mug, large',
        category: 'Home/Kitchen',
        brand: 'Acme',
        price: 4.5,
        available: true,
        sku: 'S-1',
        attributes: { organic: true, colour: 'red', zip: '02134', size: '1.50' },
      },
      {
        id: '0002',
        name: 'Uno',
        category: 'Games',
        price: 0,
        available: false,
        attributes: { organic: false, size: 12 },
      },
    ]);
  });

  it('rejects bad rows with their line numbers and reasons, and stores every other row', async () => {
    const { items, rejected, result } = await run(
      [
        'id,name,price,available', // line 1
        'a,Apple,1,true',
        'b,Banana,-2,true', // negative price
        'c,Cherry,cheap,true', // not a number
        ',No id,1,true', // no id
        'd,Date,1,maybe', // not a boolean
        'e,Elder,1', // a field short
        'f,Fig,1,true,extra', // a field too many
        `g,${'x'.repeat(1001)},1,true`, // name too long
        '"h,Honey',
        'i,Ice,2,false', // inside h's open quote: the reader reads h and i as one broken record
      ].join('\n') + '\n',
    );
    expect(items.map((i) => i.id)).toEqual(['a']);
    expect(result).toMatchObject({ stored: 1, rejected: rejected.length });
    expect(rejected.slice(0, 7)).toEqual([
      { line: 3, reason: expect.stringMatching(/^price/) as string },
      { line: 4, reason: 'price: "cheap" is not a number' },
      { line: 5, reason: 'no id' },
      { line: 6, reason: 'available: "maybe" is not true or false' },
      { line: 7, reason: 'not as many fields as the header has columns' },
      { line: 8, reason: 'not as many fields as the header has columns' },
      { line: 9, reason: expect.stringMatching(/^name/) as string },
    ]);
    expect(rejected[7]?.reason).toBe('a quoted field is not closed');
    // No reason quotes the row's text.
    for (const r of rejected) expect(r.reason).not.toContain('Honey');
  });

  it('keeps the last row of an id given twice, and stores in batches', async () => {
    const rows = ['id,name', 'a,first', 'b,B', 'a,second', 'c,C', 'd,D'];
    const { stored, items } = await run(rows.join('\n'), 2);
    expect(stored.map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(items.filter((i) => i.id === 'a').at(-1)).toEqual({ id: 'a', name: 'second' });
  });

  it('refuses a header without an id column, storing nothing', async () => {
    await expect(run('name,price\nMug,1\n')).rejects.toBeInstanceOf(CatalogHeaderError);
    await expect(run('id,product_id\n1,1\n')).rejects.toThrow(/both id and product_id/);
    await expect(run('id,name,NAME\n1,a,b\n')).rejects.toThrow(/name is given twice/);
  });

  it('reads a large file as it arrives: items are stored long before the file ends', async () => {
    const total = 100_000;
    let produced = 0;
    function* lines(): Generator<string> {
      yield 'id,name,price\n';
      for (let i = 0; i < total; i++) {
        produced++;
        yield `p${i},Product number ${i},${i % 100}\n`;
      }
    }
    let producedAtFirstPut: number | undefined;
    let largest = 0;
    const result = await importCatalogCsv(Readable.from(lines()), {
      put: (items) => {
        producedAtFirstPut ??= produced;
        largest = Math.max(largest, items.length);
        return Promise.resolve();
      },
    });
    expect(result).toEqual({ rows: total, stored: total, rejected: 0 });
    expect(largest).toBe(1000);
    // Only what the stream buffers is read ahead of the first batch, not the file.
    expect(producedAtFirstPut).toBeLessThan(total / 10);
  });
});
