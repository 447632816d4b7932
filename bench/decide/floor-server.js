// The floor for the decide benchmark: the same HTTP stack as Tailor (Fastify, JSON body parsed)
// with a route that returns a fixed answer of a realistic size. Nothing is read or decided.
// Prints `listening on URL` when ready.
import Fastify from 'fastify';

const ANSWER = {
  decisions: ['p1', 'p2', 'p3'].map((placement, i) => ({
    placement,
    itemId: `item-${i}`,
    content: `Welcome back Ann, we picked something for you in ${placement}`,
    fallback: false,
    reasons: [
      `item-${i}: chosen (traits.plan = "pro")`,
      'item-9: rule did not hold (context.device = "mobile")',
    ],
  })),
};

const app = Fastify({ logger: false });
app.post('/v1/decide', async () => ANSWER);
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
