/**
 * `npm run bench`: throughput of the engine on the embedded log.
 *   (a) the stateful `aggregate` alone (per-user context window, exactly-once)
 *   (b) the whole default pipeline (aggregate, vectorize with MiniLM, ingest, joins)
 * Events are produced first, then the engine is started and timed until it has
 * consumed and committed all of them. Options: --events N --users N --only a|b.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../common/logger.js';
import { createPipelineApp } from '../runtime/app.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { encodeValue } from '../runtime/serde.js';
import { makeEvents } from '../test/events.js';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, users: { type: 'string', default: '1000' }, only: { type: 'string' } },
});

async function bench(name: string, file: string, events: number, users: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-'));
  const pipeline = loadPipeline(file, { env: { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_VECTOR_DB: path.join(dir, 'vectors.db') } });
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  await transport.connect();
  const input = pipeline.topics.user_events!;
  const app = createPipelineApp({ pipeline, transport, logger: createLogger('bench', 'warn'), stateDir: path.join(dir, 'state'), instanceId: 'bench' });
  // Topics first (the engine would create them too), then the input.
  const { ensureTopics } = await import('../runtime/topics.js');
  await ensureTopics(pipeline, transport.admin(), 'create', createLogger('bench', 'warn'));
  const producer = transport.producer({});
  const all = makeEvents(events, users, 42);
  for (let i = 0; i < all.length; i += 5000) {
    await producer.send(
      all.slice(i, i + 5000).map((e) => ({
        topic: input.name,
        partition: transport.partitionFor(e.user_id, input.partitions),
        key: e.user_id,
        value: encodeValue(e),
        timestamp: Date.parse(e.time),
      })),
    );
  }
  await producer.close();
  await app.resources.warmUp();
  const started = performance.now();
  await app.start();
  const group = transport.consumer({ groupId: pipeline.app, isolation: 'read_committed' });
  const tps = Array.from({ length: input.partitions }, (_, p) => ({ topic: input.name, partition: p }));
  for (;;) {
    const committed = await group.committed(tps);
    if (committed.reduce((n, c) => n + Math.max(0, c.offset), 0) >= events) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const m = app.engine.metrics;
  await group.close();
  await app.stop();
  await transport.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const line = `${name}: ${events.toLocaleString('en-US')} events, ${users} users in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en-US')} events/s (${m.commits} commits, ${m.recordsProduced.toLocaleString('en-US')} records out)`;
  process.stdout.write(`${line}\n`);
}

const here = import.meta.dirname;
if (args.only !== 'b') await bench('(a) aggregate alone, embedded, exactly_once', path.join(here, 'aggregate.yaml'), Number(args.events), Number(args.users));
if (args.only !== 'a') await bench('(b) default pipeline, embedded, exactly_once, MiniLM', path.join(here, '../pipeline.yaml'), Math.min(Number(args.events), 20_000), Number(args.users));
