import type { AttributionKey, AttributionModel, AttributionRequest } from '@tailor/core';

/** What the attribution form holds; kept in the URL's fragment so a report can be bookmarked. */
export interface AttributionForm {
  conversion: string;
  by: AttributionKey;
  models: AttributionModel[];
  /** As typed: empty for no limit; the server judges the number. */
  lookbackDays: string;
}

/** The keys a touchpoint can be grouped by, as the API names them (attribution.schema.ts). */
export const BY_OPTIONS: readonly { value: AttributionKey; label: string }[] = [
  { value: 'source', label: 'Source (utm_source)' },
  { value: 'medium', label: 'Medium (utm_medium)' },
  { value: 'campaign', label: 'Campaign (utm_campaign)' },
  { value: 'content', label: 'Content (utm_content)' },
  { value: 'term', label: 'Term (utm_term)' },
  { value: 'channel', label: 'Channel (from source, medium and referrer)' },
];

export const MODEL_OPTIONS: readonly { value: AttributionModel; label: string }[] = [
  { value: 'first_touch', label: 'First touch' },
  { value: 'last_touch', label: 'Last touch' },
  { value: 'linear', label: 'Linear' },
  { value: 'position_based', label: 'Position based (40/20/40)' },
  { value: 'time_decay', label: 'Time decay' },
  { value: 'markov', label: 'Markov (removal effect)' },
  { value: 'last_non_direct', label: 'Last non-direct' },
  { value: 'shapley', label: 'Shapley' },
];

export const DEFAULT_FORM: AttributionForm = {
  conversion: '',
  by: 'source',
  models: ['first_touch', 'last_touch', 'linear', 'markov'],
  lookbackDays: '',
};

export function modelLabel(model: string): string {
  return MODEL_OPTIONS.find((option) => option.value === model)?.label ?? model;
}

/** The form a fragment's query names; unknown values fall back to the defaults. */
export function formFromSearch(search: string): AttributionForm {
  const query = new URLSearchParams(search);
  const by = BY_OPTIONS.find((option) => option.value === query.get('by'))?.value;
  const named = query.get('models')?.split(',') ?? [];
  const models = MODEL_OPTIONS.filter((option) => named.includes(option.value)).map(
    (option) => option.value,
  );
  return {
    conversion: query.get('conversion') ?? '',
    by: by ?? DEFAULT_FORM.by,
    models: query.has('models') ? models : DEFAULT_FORM.models,
    lookbackDays: query.get('lookbackDays') ?? '',
  };
}

export function searchFromForm(form: AttributionForm): string {
  const query = new URLSearchParams({
    conversion: form.conversion,
    by: form.by,
    models: form.models.join(','),
  });
  if (form.lookbackDays.trim() !== '') query.set('lookbackDays', form.lookbackDays.trim());
  return query.toString();
}

/**
 * The body of `POST /v1/reports/attribution`. Values are sent as typed (a lookback that is no
 * number goes as text): the server validates them and its message says what is wrong.
 */
export function requestFromForm(form: AttributionForm): AttributionRequest {
  const body: AttributionRequest = {
    conversion: form.conversion.trim(),
    by: form.by,
    models: form.models,
  };
  const lookback = form.lookbackDays.trim();
  if (lookback !== '') {
    const days = Number(lookback);
    body.lookbackDays = (Number.isFinite(days) ? days : lookback) as number;
  }
  return body;
}
