import type { RecommenderBody } from '@tailor/core';
import { hasIndex } from './recommender-form.js';
import { METHOD_TEXT } from './stored-recommender.js';

/** What a recommender is set to, every default named, as a two-column table (any reading key). */
export function RecommenderSettings({ recommender }: { recommender: RecommenderBody }) {
  const rows = settingRows(recommender);
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Settings</caption>
        <tbody>
          {rows.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The settings' rows, in the order the editor asks for them. */
export function settingRows(r: RecommenderBody): [string, string][] {
  const rows: [string, string][] = [['Method', `${r.method}: ${METHOD_TEXT[r.method]}`]];
  if (r.blend !== undefined) {
    rows.push([
      'Methods mixed',
      r.blend.map((p) => `${p.method} × ${String(p.weight ?? 1)}`).join(', '),
    ]);
  }
  rows.push([
    'Learns from',
    (r.events ?? ['Order Completed', 'Product Added', 'Product Viewed']).join(', '),
  ]);
  rows.push([
    'Half-life',
    r.halfLifeDays !== undefined
      ? `${String(r.halfLifeDays)} days`
      : `${r.method === 'popularity' ? '30' : '90'} days (default)`,
  ]);
  rows.push(['Items for templates (k)', r.k !== undefined ? String(r.k) : '10 (default)']);
  rows.push(['What the person had', 'never recommended']);
  rows.push(['Only available items', r.rules?.availableOnly === false ? 'no' : 'yes']);
  rows.push([
    'At most per category',
    r.rules?.maxPerCategory !== undefined ? String(r.rules.maxPerCategory) : 'no cap',
  ]);
  const boosts = r.rules?.boosts ?? [];
  rows.push([
    'Boosts',
    boosts.length === 0
      ? 'none'
      : boosts
          .map((b) => `${b.field} = ${JSON.stringify(b.value)} × ${String(b.factor)}`)
          .join('; '),
  ]);
  const parts = (r.blend ?? []).map((p) => ({ method: p.method, weight: '' }));
  if (hasIndex({ method: r.method, parts })) {
    rows.push([
      'Index (more than 5,000 items with text)',
      `m ${String(r.hnsw?.m ?? 16)}, efConstruction ${String(r.hnsw?.efConstruction ?? 64)}, efSearch ${String(r.hnsw?.efSearch ?? 400)}`,
    ]);
  }
  if (r.description !== undefined) rows.push(['Description', r.description]);
  return rows;
}
