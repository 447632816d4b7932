import { describe, expect, it } from 'vitest';
import {
  BackgroundThread,
  type BackgroundThreadOptions,
} from '../src/background/background-thread.js';
import type { Config } from '../src/config/config.schema.js';

const fixture = (name: string): URL => new URL(`./fixtures/workers/${name}`, import.meta.url);

function thread(entry: URL): BackgroundThread {
  const options: BackgroundThreadOptions = {
    config: {} as Config,
    entry,
    checkpoint: [],
    onBatch: () => undefined,
    onChanged: () => undefined,
    onError: () => undefined,
    append: () => Promise.resolve([]),
  };
  return new BackgroundThread(options);
}

describe('BackgroundThread readiness', () => {
  it('is ready once its worker says it runs, not when it is spawned', async () => {
    const background = thread(fixture('ready-worker.mjs'));
    background.start();
    expect(background.running()).toBe(false);
    await background.ready();
    expect(background.running()).toBe(true);
    await background.stop();
    expect(background.running()).toBe(false);
  });

  it('fails ready() with the reason when its worker cannot start, instead of restarting it forever', async () => {
    const background = thread(fixture('failing-worker.mjs'));
    background.start();
    await expect(background.ready()).rejects.toThrow(
      /could not start: cannot open the data folder/,
    );
    expect(background.running()).toBe(false);
    await background.stop();
  });
});
