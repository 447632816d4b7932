import type { FunnelOrder, FunnelRequest } from '@tailor/core';

/** What the funnel form holds; kept in the URL's fragment so a report can be bookmarked. */
export interface FunnelForm {
  /** One event name a line, as typed. */
  steps: string;
  /** As typed: empty for the API's default (30); the server judges the number. */
  windowDays: string;
  order: FunnelOrder;
}

export const ORDER_OPTIONS: readonly { value: FunnelOrder; label: string }[] = [
  { value: 'ordered', label: 'In order, other events between allowed' },
  { value: 'strict', label: 'In order, nothing between' },
  { value: 'any', label: 'In any order' },
];

/** The step names the text holds: one a line, blank lines and surrounding spaces left out. */
export function stepNames(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function funnelFormFromSearch(search: string): FunnelForm {
  const query = new URLSearchParams(search);
  const order = ORDER_OPTIONS.find((option) => option.value === query.get('order'))?.value;
  return {
    steps: query.getAll('step').join('\n'),
    windowDays: query.get('windowDays') ?? '',
    order: order ?? 'ordered',
  };
}

export function searchFromFunnelForm(form: FunnelForm): string {
  const query = new URLSearchParams();
  for (const step of stepNames(form.steps)) query.append('step', step);
  if (form.windowDays.trim() !== '') query.set('windowDays', form.windowDays.trim());
  query.set('order', form.order);
  return query.toString();
}

/**
 * The body of `POST /v1/reports/funnel`. Values go as typed (a window that is no number as
 * text, one step alone): the server validates them and its message says what is wrong.
 */
export function funnelRequestFromForm(form: FunnelForm): FunnelRequest {
  const body: FunnelRequest = {
    steps: stepNames(form.steps).map((event) => ({ event })),
    order: form.order,
  };
  const window = form.windowDays.trim();
  if (window !== '') {
    const days = Number(window);
    body.windowDays = (Number.isFinite(days) ? days : window) as number;
  }
  return body;
}

/** A duration in seconds as a person reads it: 45 s, 12 min, 5.5 h, 3.2 d. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${String(Math.round(seconds))} s`;
  if (seconds < 3600) return `${String(Math.round(seconds / 60))} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
