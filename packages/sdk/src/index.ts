import { createTailor, type Tailor } from './tailor.js';

export type { Decision } from './decide.js';
export type { Purposes } from './consent.js';
export type { Id, LoadOptions, Properties, Tailor } from './tailor.js';

declare global {
  interface Window {
    /** The SDK, or before it loads, the snippet's array of calls `[method, ...args]`. */
    tailor?: Tailor | unknown[];
  }
}

/** The origin this script was served from: the default host, since Tailor serves the SDK itself. */
function scriptOrigin(): string {
  try {
    const script = document.currentScript;
    if (script instanceof HTMLScriptElement && script.src) return new URL(script.src).origin;
  } catch {
    // an odd document: fall back to the page's origin
  }
  return location.origin;
}

function replay(tailor: Tailor, calls: unknown[]): void {
  for (const call of calls) {
    if (!Array.isArray(call)) continue;
    const [method, ...args] = call as unknown[];
    const run: unknown =
      typeof method === 'string'
        ? (tailor as unknown as Record<string, unknown>)[method]
        : undefined;
    if (typeof run === 'function') (run as (...args: unknown[]) => unknown)(...args);
  }
}

const existing = window.tailor;
// Included twice: the first copy stays (its queue and listeners are live).
if (existing === undefined || Array.isArray(existing)) {
  const tailor = createTailor(scriptOrigin());
  window.tailor = tailor;
  if (existing) replay(tailor, existing);
}
