import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import {
  buildBasketMatrix,
  buildInteractionMatrix,
  DEFAULT_METHOD,
  evaluateBaskets,
  evaluateRecommender,
  fitParameters,
  parseTimestamp,
  RECOMMENDER_METHODS,
  recommenderFrom,
  recommendItems,
  splitByTime,
  TailorError,
  trainRecommender,
  type BlendSpec,
  type FittedParameters,
  type RecommenderMethod,
  type TimeSplit,
} from '@tailor/core';
import { readInteractionsFile, readUsersFile } from '../models/read-interactions-file.js';

interface RecommendFlags {
  user: string;
  item: string;
  time?: string;
  order?: string;
  users: string;
  k: number;
  out: string;
  method: RecommenderMethod;
}

interface EvaluateFlags {
  user: string;
  item: string;
  time: string;
  order?: string;
  split: string;
  k: number;
  methods?: RecommenderMethod[];
  blend?: BlendSpec[];
}

/** `bought-together` learns from orders: refused without the column naming them. */
function needOrders(methods: readonly RecommenderMethod[], order: string | undefined): void {
  if (order === undefined && methods.includes('bought-together'))
    throw new TailorError(
      'invalid_request',
      'method bought-together needs --order COLUMN (the order, or basket, each row belongs to)',
    );
}

function count(value: string): number {
  const n = Number(value);
  if (!(/^\d+$/.test(value.trim()) && n > 0))
    throw new InvalidArgumentError('not a whole number > 0');
  return n;
}

function methods(value: string): RecommenderMethod[] {
  const names = value.split(',').map((name) => name.trim());
  for (const name of names)
    if (!(RECOMMENDER_METHODS as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown method ${name} (${RECOMMENDER_METHODS.join(', ')})`);
  return names as RecommenderMethod[];
}

/**
 * `--blend ease,item-knn:0.5`: 2 to 5 methods, each once, with an optional weight (> 0, at most
 * 100, default 1), as a served recommender's `blend` (docs/recommendations.md, "Mixed lists").
 */
function blendParts(value: string): BlendSpec[] {
  const parts = value.split(',').map((part) => {
    const [name = '', weight = '1', ...rest] = part.trim().split(':');
    const w = Number(weight);
    if (!(RECOMMENDER_METHODS as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown method ${name} (${RECOMMENDER_METHODS.join(', ')})`);
    if (rest.length > 0 || weight.trim() === '' || !(w > 0 && w <= 100))
      throw new InvalidArgumentError(`${part.trim()}: a weight is a number > 0 and <= 100`);
    return { method: name as BlendSpec['method'], weight: w };
  });
  if (parts.length < 2 || parts.length > 5)
    throw new InvalidArgumentError('a blend mixes 2 to 5 methods');
  if (new Set(parts.map((p) => p.method)).size < parts.length)
    throw new InvalidArgumentError('a blend mixes each method once (give it a weight)');
  return parts;
}

/** Scores to 6 significant digits, without trailing zeros. */
const score = (value: number): string => String(Number(value.toPrecision(6)));

/**
 * `tailor recommend FILE.csv --user COL --item COL [--time COL] --users USERS.csv --k N --out
 * RECS.csv`: learns from the interactions in FILE and writes, for each user of USERS.csv, up to N
 * items they did not have in FILE, ranked from 1. A user FILE does not know gets popular items.
 */
export function recommendCommand(file: string, flags: RecommendFlags): void {
  needOrders([flags.method], flags.order);
  const interactions = readInteractionsFile(file, flags);
  if (interactions.length === 0)
    throw new TailorError(
      'invalid_request',
      `${file} has a header and no interactions to learn from`,
    );
  const users = readUsersFile(flags.users);
  const matrix = buildInteractionMatrix(interactions);
  console.error(
    `${interactions.length} interactions read from ${file}: ${matrix.userIds.length} users, ` +
      `${matrix.itemIds.length} items; training ${flags.method}`,
  );
  const baskets =
    flags.order === undefined ? undefined : buildBasketMatrix(interactions, matrix.itemIds);
  const model = trainRecommender(matrix, flags.method, {}, { baskets });
  if (!model.ok) throw new TailorError('invalid_request', `${file}: ${model.error}`);
  const userIndex = new Map(matrix.userIds.map((id, u) => [id, u]));
  const scratch = new Float64Array(matrix.itemIds.length);
  const rows: string[][] = [['user', 'item', 'rank', 'score']];
  let unknown = 0;
  for (const user of users) {
    const u = userIndex.get(user) ?? -1;
    if (u < 0) unknown++;
    for (const [rank, { item, score: s }] of recommendItems(
      matrix,
      model.value,
      u,
      flags.k,
      scratch,
    ).entries())
      rows.push([user, matrix.itemIds[item] ?? '', String(rank + 1), score(s)]);
  }
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(flags.out, stringify(rows));
  console.error(
    `${rows.length - 1} recommendations for ${users.length} users written to ${flags.out}` +
      (unknown > 0 ? ` (${unknown} users not in ${file} got popular items)` : ''),
  );
}

/**
 * `tailor recommend evaluate FILE.csv --user COL --item COL --time COL --split DATE [--order COL]
 * [--k 20]`: trains each method on the interactions before DATE and prints, as JSON, Recall@K,
 * NDCG@K, catalogue coverage and popularity bias over the users with new items after it. With
 * `--order`, also how each method completes the test period's orders (`evaluateBaskets`), and
 * bought-together is among the methods compared by default. With `--blend`, also the mixed list
 * of those methods, under `blend` beside its members (which are added to the methods compared).
 */
export function recommendEvaluateCommand(file: string, flags: EvaluateFlags): void {
  const methods = evaluatedMethods(flags);
  needOrders(methods, flags.order);
  const at = parseTimestamp(flags.split);
  if (!at.ok) throw new TailorError('invalid_request', `--split: ${at.error}`);
  const interactions = readInteractionsFile(file, flags);
  const split = splitByTime(interactions, at.value);
  if (!split.ok) throw new TailorError('invalid_request', `${file}: ${split.error}`);
  const { train, heldOut, testInteractions, trainBaskets, testBaskets } = split.value;
  console.error(
    `${interactions.length} interactions read from ${file}; training on ${train.items.length} ` +
      `(user, item) pairs, evaluating ${heldOut.length} users` +
      (testBaskets === undefined ? '' : ` and ${testBaskets.length} orders`),
  );
  const results: Record<string, unknown> = {};
  // Each method is fitted once; the blend reuses its members' parameters (and their fit times).
  const fitted = new Map<RecommenderMethod, { parameters: FittedParameters; seconds: number }>();
  for (const method of methods) {
    const started = performance.now();
    const parameters = fitParameters(train, method, {}, { baskets: trainBaskets });
    if (!parameters.ok) throw new TailorError('invalid_request', `${file}: ${parameters.error}`);
    const seconds = (performance.now() - started) / 1000;
    fitted.set(method, { parameters: parameters.value, seconds });
    results[method] = evaluateFitted(split.value, method, parameters.value, seconds, flags);
  }
  if (flags.blend !== undefined) {
    const parts = flags.blend.map(({ method, weight }) => {
      const part = fitted.get(method);
      if (part === undefined) throw new Error(`blend part ${method} was not fitted`);
      return { weight, ...part };
    });
    const seconds = parts.reduce((sum, part) => sum + part.seconds, 0);
    results.blend = {
      parts: flags.blend,
      ...evaluateFitted(split.value, 'blend', { method: 'blend', parts }, seconds, flags),
    };
  }
  const summary = {
    k: flags.k,
    split: new Date(at.value).toISOString(),
    train: { users: train.userIds.length, items: train.itemIds.length, pairs: train.items.length },
    test: {
      interactions: testInteractions,
      users: heldOut.length,
      ...(testBaskets && { orders: testBaskets.length }),
    },
    methods: results,
  };
  console.log(JSON.stringify(summary, null, 2));
}

/** The methods compared: those asked (default: all, bought-together only with orders) and a blend's members. */
function evaluatedMethods(flags: EvaluateFlags): RecommenderMethod[] {
  const methods =
    flags.methods ??
    RECOMMENDER_METHODS.filter((m) => flags.order !== undefined || m !== 'bought-together');
  const members = (flags.blend ?? []).map((part) => part.method);
  return [...new Set([...methods, ...members])];
}

/** One method's measures on the split, from its fitted parameters. */
function evaluateFitted(
  split: TimeSplit,
  name: RecommenderMethod,
  parameters: FittedParameters,
  trainSeconds: number,
  flags: EvaluateFlags,
): Record<string, unknown> {
  const model = recommenderFrom(split.train, parameters);
  const { recall, ndcg, coverage, popularityBias } = evaluateRecommender(split, model, flags.k);
  const orders = flags.order === undefined ? undefined : evaluateBaskets(split, model, flags.k);
  console.error(
    `${name}: recall@${flags.k} ${recall.toFixed(4)}, ndcg@${flags.k} ${ndcg.toFixed(4)}` +
      (orders ? `; orders completed: recall@${flags.k} ${orders.recall.toFixed(4)}` : ''),
  );
  return {
    recall,
    ndcg,
    coverage,
    popularityBias,
    trainSeconds,
    ...(orders && {
      orders: { recall: orders.recall, ndcg: orders.ndcg, coverage: orders.coverage },
    }),
  };
}

/** Registers `tailor recommend` and `tailor recommend evaluate`. */
export function registerRecommendCommands(program: Command): void {
  const recommend = program
    .command('recommend')
    .description(
      'recommendations from implicit feedback: for each user, items they have not had, ranked',
    )
    .argument('<file>', 'a CSV file of interactions (user, item, optional time) with a header row')
    // Checked by the action, not requiredOption: commander would ask for them under
    // `recommend evaluate` too.
    .option('--user <column>', 'the column naming the user, kept as written (required)')
    .option('--item <column>', 'the column naming the item, kept as written (required)')
    .option('--time <column>', 'the column of ISO 8601 times (recent interactions weigh more)')
    .option('--order <column>', 'the column naming the order (basket) of each row: bought-together')
    .option('--users <file>', 'a CSV with a column user: who to recommend to (required)')
    .option('--k <n>', 'items per user (required)', count)
    .option('--out <file>', 'where the recommendations go, CSV: user,item,rank,score (required)')
    .addOption(
      new Option('--method <method>', 'the recommender')
        .choices(RECOMMENDER_METHODS)
        .default(DEFAULT_METHOD),
    )
    .action((file: string, flags: Partial<RecommendFlags>) => {
      recommendCommand(file, required(flags, ['user', 'item', 'users', 'k', 'out'], 'recommend'));
    });
  recommend
    .command('evaluate')
    .description(
      'compares the recommenders on a time split: Recall@K, NDCG@K, coverage, popularity bias',
    )
    .argument('<file>', 'a CSV file of interactions with a header row')
    // Not requiredOption: commander hands options named like the parent's (--user, --item,
    // --time, --k) to `recommend`; the action reads both and checks them itself.
    .option('--user <column>', 'the column naming the user (required)')
    .option('--item <column>', 'the column naming the item (required)')
    .option('--time <column>', 'the column of ISO 8601 times (required)')
    .option('--split <date>', 'interactions before this date train, the rest test (required)')
    .option(
      '--order <column>',
      'the column naming the order of each row: adds bought-together and order completion',
    )
    .option('--k <n>', 'list length', count, 20)
    .option(
      '--methods <methods>',
      `methods to compare, comma-separated (default ${RECOMMENDER_METHODS.join(',')}, ` +
        'bought-together only with --order)',
      methods,
    )
    .option(
      '--blend <parts>',
      'also a mixed list of these methods, evaluated beside them: method[:weight],... ' +
        '(2 to 5 methods, weight > 0, default 1), e.g. ease,item-knn:0.5',
      blendParts,
    )
    .action((file: string, _flags: unknown, command: Command) => {
      recommendEvaluateCommand(file, evaluateFlags(command));
    });
}

/** The evaluate flags, from the subcommand and the options `recommend` took for itself. */
function evaluateFlags(command: Command): EvaluateFlags {
  const given = { ...command.opts(), ...command.parent?.opts() } as Partial<EvaluateFlags>;
  return required(given, ['user', 'item', 'time', 'split'], 'recommend evaluate');
}

function required<T extends object>(
  flags: Partial<T>,
  names: (keyof T & string)[],
  command: string,
): T {
  for (const name of names)
    if (flags[name] === undefined)
      throw new TailorError('invalid_request', `${command}: --${name} is required`);
  return flags as T;
}
