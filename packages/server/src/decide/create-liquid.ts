import type { Context } from 'liquidjs';
import { TemplateEngine } from './template-engine.js';

/** What a filter sees as `this` (LiquidJS does not export the type by name). */
interface FilterImpl {
  context: Context;
}

/**
 * The Liquid engine for placement templates: output is HTML-escaped unless a template writes
 * `| raw`, and two filters format in the person's locale: `money` and `local_date`. The locale and
 * time zone come from the request's context (`context.locale`, `context.timezone`), else the
 * person's traits (`traits.locale`, `traits.timezone`), else en-US and UTC. Parsing and rendering
 * are bounded (`TEMPLATE_LIMITS`).
 */
export function createLiquid(): TemplateEngine {
  const liquid = new TemplateEngine({
    outputEscape: 'escape',
    strictFilters: true,
    ownPropertyOnly: true,
    cache: false,
    relativeReference: false,
    fs: NO_FILES,
  });
  liquid.registerFilter(
    'money',
    function (this: FilterImpl, value: unknown, currency: unknown = 'USD') {
      const amount = Number(value);
      if (!Number.isFinite(amount)) return '';
      try {
        return formatter(
          `${localeOf(this)}|${String(currency)}`,
          (locale, code) => new Intl.NumberFormat(locale, { style: 'currency', currency: code }),
        ).format(amount);
      } catch {
        return `${amount.toFixed(2)} ${String(currency)}`;
      }
    },
  );
  liquid.registerFilter(
    'local_date',
    function (this: FilterImpl, value: unknown, style: unknown = 'medium') {
      const date = new Date(
        typeof value === 'number' || typeof value === 'string' ? value : Number.NaN,
      );
      if (Number.isNaN(date.getTime())) return '';
      const dateStyle = ['full', 'long', 'medium', 'short'].includes(String(style))
        ? (String(style) as 'medium')
        : 'medium';
      try {
        return formatter(
          `${localeOf(this)}|${dateStyle}|${zoneOf(this)}`,
          (locale, style, zone) =>
            new Intl.DateTimeFormat(locale, { dateStyle: style as 'medium', timeZone: zone }),
        ).format(date);
      } catch {
        return date.toISOString().slice(0, 10);
      }
    },
  );
  return liquid;
}

/** Templates come from the API: `include`, `render` and `layout` must never read the server's files. */
const NO_FILES = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: () => Promise.reject(new Error('templates cannot include files')),
  readFileSync: (): string => {
    throw new Error('templates cannot include files');
  },
  resolve: (_dir: string, file: string) => file,
};

/**
 * Intl formatters are costly to build (about 20 us each) and cheap to reuse: one per locale,
 * currency or style and zone seen, bounded because these come from requests.
 */
const formatters = new Map<string, { format(value: number | Date): string }>();
function formatter(
  key: string,
  build: (...parts: string[]) => { format(value: number | Date): string },
) {
  let found = formatters.get(key);
  if (found === undefined) {
    found = build(...key.split('|'));
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(key, found);
  }
  return found;
}

function read(filter: FilterImpl, path: string[]): unknown {
  return filter.context.getSync(path);
}

function localeOf(filter: FilterImpl): string {
  const locale = read(filter, ['context', 'locale']) ?? read(filter, ['traits', 'locale']);
  return typeof locale === 'string' && locale !== '' ? locale : 'en-US';
}

function zoneOf(filter: FilterImpl): string {
  const zone = read(filter, ['context', 'timezone']) ?? read(filter, ['traits', 'timezone']);
  return typeof zone === 'string' && zone !== '' ? zone : 'UTC';
}
