import type { Tailor } from '../open-tailor.js';
import { generateDemoMessages } from './generate-demo-messages.js';

/** Loads the demo shop into an empty log, through the same collection path as real traffic. */
export async function loadDemo(tailor: Tailor): Promise<{ loaded: number }> {
  if ((await tailor.log.stats()).events > 0) return { loaded: 0 };
  const messages = generateDemoMessages({ people: 400, days: 45, now: tailor.now() });
  let loaded = 0;
  for (let i = 0; i < messages.length; i += 500) {
    const outcome = await tailor.collector.collect({ messages: messages.slice(i, i + 500), source: 'import:demo' });
    loaded += outcome.stored;
  }
  return { loaded };
}
