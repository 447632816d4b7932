import type { ModelBody, ModelVersionInfo } from '@tailor/core';

/** A model as `GET /v1/models` answers it: its definition, name, versions and the promoted one. */
export type StoredModel = ModelBody & {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  promoted?: number;
};

/** What the model predicts, in words: "orders (Order Completed) within 30 days". */
export function labelText(model: ModelBody): string {
  const where = model.label.where === undefined ? '' : ` where ${model.label.where}`;
  const days = `${String(model.label.days)} day${model.label.days === 1 ? '' : 's'}`;
  return model.type === 'churn'
    ? `no “${model.label.event}”${where} within ${days} (churn)`
    : `“${model.label.event}”${where} within ${days}`;
}

/**
 * The version whose metrics the page shows first: the promoted one (it scores), else the latest
 * trained; undefined before any training.
 */
export function shownVersion(
  versions: ModelVersionInfo[],
  promoted: number | undefined,
): ModelVersionInfo | undefined {
  return versions.find((v) => v.version === promoted) ?? versions[versions.length - 1];
}
