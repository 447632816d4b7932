// The smallest credible durable batch endpoint, the yardstick for Tailor's ingestion:
// Fastify + better-sqlite3, WAL, synchronous=FULL, one transaction per request, answer after commit.
// Usage: node reference-server.js [port] [dataDir]   (or PORT / DATA_DIR)
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? process.env.PORT ?? 7800);
const dataDir = process.argv[3] ?? process.env.DATA_DIR ?? '.reference';
mkdirSync(dataDir, { recursive: true });

const db = new Database(join(dataDir, 'log.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${process.env.REFERENCE_SYNCHRONOUS ?? 'FULL'}`);
db.exec(
  'CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL)',
);
const insert = db.prepare('INSERT OR IGNORE INTO events (message_id, payload) VALUES (?, ?)');
const insertBatch = db.transaction((batch) => {
  let stored = 0;
  for (const message of batch) {
    const id = typeof message?.messageId === 'string' ? message.messageId : randomUUID();
    stored += insert.run(id, JSON.stringify(message)).changes;
  }
  return stored;
});

const app = Fastify({ logger: false, bodyLimit: 500 * 1024 });
app.post('/v1/batch', async (request, reply) => {
  const batch = request.body?.batch;
  if (!Array.isArray(batch)) return reply.code(400).send({ message: 'batch must be an array' });
  const stored = insertBatch(batch);
  return { success: true, stored, duplicates: batch.length - stored, rejected: [] };
});

const shutdown = () => {
  app.close().then(() => {
    db.close();
    process.exit(0);
  });
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${app.server.address().port}`);
