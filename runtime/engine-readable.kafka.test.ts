/**
 * engine.onReadable on a real broker with overlapping transactions
 * (AURA_TRANSACTIONS_IN_FLIGHT=2, runtime/commit-pipeline.ts): what the engine
 * hands over is exactly what a read_committed reader of its output topic sees,
 * per partition in log order, each record once — while some transactions fail
 * (their commit is refused), which aborts the transaction under way behind
 * them too: neither is handed over, both are redone.
 */
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { makeEvents } from '../testing/support/events.js';
import { aura, kafkaTransport, pipelineCopy, ROOT, readTopic, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { loadPipeline } from '../topology/compile.js';
import type { OutgoingRecord, Transport } from '../transports/types.js';
import { createPipelineApp } from './app.js';
import { decodeValue, encodeValue } from './serde.js';

const transport = kafkaTransport();
afterAll(() => transport.close());

/** The transport whose transactional producers fail the commits `failAt` (counted over both producers). */
function failingCommits(inner: Transport, failAt: Set<number>): { transport: Transport; commits: () => number } {
  let n = 0;
  const wrapped: Transport = {
    kind: inner.kind,
    connect: () => inner.connect(),
    admin: () => inner.admin(),
    partitionFor: (k, p) => inner.partitionFor(k, p),
    close: async () => undefined,
    consumer: (options) => inner.consumer(options),
    producer(options) {
      const p = inner.producer(options);
      if (!options.transactionalId) return p;
      const commit = p.commitTransaction.bind(p);
      p.commitTransaction = async () => {
        if (failAt.has(++n)) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'commitTransaction: Broker: Not coordinator', { retriable: true });
        return commit();
      };
      return p;
    },
  };
  return { transport: wrapped, commits: () => n };
}

it('hands over the outputs of committed overlapping transactions only, once each, in log order', async () => {
  const prefix = uniquePrefix('readable');
  const dir = tempDir('aura-readable-kafka');
  const file = pipelineCopy(path.join(ROOT, 'runtime/fixtures/crash.yaml'), dir, [
    ['app: crash-test', `app: ${prefix}`],
    ['name: crash.', `name: ${prefix}.`],
  ]);
  const pipeline = loadPipeline(file, { env: { ...process.env, AURA_STATE_DIR: dir } });
  const applied = await aura(['topics', 'apply', file], { AURA_STATE_DIR: dir });
  expect(applied.code, applied.err).toBe(0);
  const before = process.env.AURA_TRANSACTIONS_IN_FLIGHT;
  process.env.AURA_TRANSACTIONS_IN_FLIGHT = '2';
  const failing = failingCommits(transport, new Set([3, 9, 10]));
  const app = createPipelineApp({ pipeline, transport: failing.transport, logger: createLogger('readable', 'silent'), stateDir: dir, instanceId: 'r1' });
  const handed: OutgoingRecord[] = [];
  app.engine.onReadable((records) => handed.push(...records));
  try {
    await app.start();
  } finally {
    if (before === undefined) delete process.env.AURA_TRANSACTIONS_IN_FLIGHT;
    else process.env.AURA_TRANSACTIONS_IN_FLIGHT = before;
  }
  const events = makeEvents(600, 20, 7);
  const input = pipeline.topics.user_events!;
  const output = pipeline.topics.context_aggregated!;
  const producer = transport.producer({});
  // Small batches, each sent once a commit started after the previous one: many commits whatever the
  // machine's speed (a fast engine would otherwise fold all 600 into a handful), the next batch
  // arriving while the last one commits.
  for (let i = 0; i < events.length; i += 20) {
    const commitsBefore = failing.commits();
    await producer.send(events.slice(i, i + 20).map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    for (const until = Date.now() + 2_000; failing.commits() === commitsBefore && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
  }
  for (const deadline = Date.now() + 45_000; handed.length < events.length && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  await producer.close();
  expect(failing.commits()).toBeGreaterThanOrEqual(10); // the failures were hit
  expect(app.engine.state).toBe('running');
  await app.stop();

  const committed = await readTopic(transport, output.name, output.partitions);
  expect(handed).toHaveLength(events.length);
  expect(committed).toHaveLength(events.length);
  for (let p = 0; p < output.partitions; p++) {
    const mine = handed.filter((r) => r.partition === p).map((r) => decodeValue(r.value));
    expect(mine, `partition ${p}`).toEqual(committed.filter((r) => r.partition === p).map((r) => decodeValue(r.value)));
  }
  const versions = new Map<string, number[]>();
  for (const r of handed) {
    const v = decodeValue(r.value) as { user_id: string; version: number };
    versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
  }
  for (const list of versions.values()) expect(list).toEqual(list.map((_, i) => i + 1));
}, 90_000);
