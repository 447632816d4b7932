import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
// The yardstick for durable ingestion on NATS: Fastify + the NATS client publishing each
// request's batch to a JetStream stream (file storage, msgID = messageId) and answering once
// every publish is acknowledged. Usage: node reference-server.js PORT NATS_URL STREAM_PREFIX
import Fastify from 'fastify';

// The NATS and PostgreSQL clients are the server package's dependencies: load them from there.
const serverRequire = createRequire(new URL('../../packages/server/package.json', import.meta.url));
const load = (name) => import(pathToFileURL(serverRequire.resolve(name)).href);
const { connect } = await load('@nats-io/transport-node');
const { jetstream, jetstreamManager } = await load('@nats-io/jetstream');

const [port = '0', servers = 'nats://127.0.0.1:4222', prefix = 'reference'] = process.argv.slice(2);
const nc = await connect({ servers });
const jsm = await jetstreamManager(nc);
const stream = `${prefix}_events`;
await jsm.streams.add({ name: stream, subjects: [`${prefix}.events`], storage: 'file' });
const js = jetstream(nc);

const app = Fastify({ logger: false, bodyLimit: 500 * 1024 });
app.post('/v1/batch', async (request, reply) => {
  const batch = request.body?.batch;
  if (!Array.isArray(batch)) return reply.code(400).send({ message: 'batch must be an array' });
  const acks = await Promise.all(
    batch.map((message) =>
      js.publish(`${prefix}.events`, JSON.stringify(message), { msgID: message.messageId }),
    ),
  );
  const stored = acks.filter((ack) => !ack.duplicate).length;
  return { success: true, stored, duplicates: batch.length - stored, rejected: [] };
});
const address = await app.listen({ port: Number(port), host: '127.0.0.1' });
console.log(`listening on ${address}`);
const shutdown = () => {
  void app
    .close()
    .then(() => nc.drain())
    .then(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
