/**
 * The engine under transport failures (embedded log with injected faults, the
 * same code paths a Kafka broker outage takes): failed polls and failed
 * transactions are retried with backoff instead of crashing the instance, a
 * producer with a fatal error is replaced, a fenced producer stops the
 * instance with a clear error. Under exactly-once, outputs stay exactly once
 * and the store equals the fold of the input throughout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { makeEvents } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { createPipelineApp } from './app.js';
import { decodeValue, encodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface Faults {
  /** Errors thrown by the next commitTransaction calls, in order. */
  commits: AuraError[];
  /** Errors thrown by the next poll calls of the group consumer, in order. */
  polls: AuraError[];
  producersCreated: number;
}

/** The embedded transport, with faults injected into the engine's producer and group consumer. */
function faulty(inner: Transport, faults: Faults): Transport {
  return {
    kind: inner.kind,
    connect: () => inner.connect(),
    admin: () => inner.admin(),
    partitionFor: (k, n) => inner.partitionFor(k, n),
    close: () => inner.close(),
    producer(options) {
      const p = inner.producer(options);
      if (!options.transactionalId) return p;
      faults.producersCreated++;
      const commit = p.commitTransaction.bind(p);
      p.commitTransaction = async () => {
        const err = faults.commits.shift();
        if (err) throw err; // like a broker that rejects EndTxn: the engine aborts and re-processes
        return commit();
      };
      return p;
    },
    consumer(options) {
      const c = inner.consumer(options);
      if (!options.groupId) return c;
      const poll = c.poll.bind(c);
      c.poll = async (max, timeout) => {
        const err = faults.polls.shift();
        if (err) throw err;
        return poll(max, timeout);
      };
      return c;
    },
  };
}

const transient = (what: string) => new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: Broker: Not coordinator`, { retriable: true });

async function runWithFaults(faults: Faults, events = makeEvents(1500, 40, 5)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-faults-'));
  dirs.push(dir);
  const pipeline = loadPipeline(path.join(ROOT, 'runtime/fixtures/crash.yaml'), { env: { AURA_STATE_DIR: dir } });
  const inner = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  const transport = faulty(inner, faults);
  const app = createPipelineApp({ pipeline, transport, logger: createLogger('faults'), stateDir: dir, instanceId: 'i1' });
  await app.start();
  const input = pipeline.topics.user_events!;
  const producer = inner.producer({});
  await producer.send(events.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
  await producer.close();
  const probe = inner.consumer({ groupId: pipeline.app, isolation: 'read_committed' });
  const done = async () =>
    (await probe.committed([0, 1, 2].map((partition) => ({ topic: input.name, partition })))).reduce((n, o) => n + Math.max(0, o.offset), 0);
  for (const deadline = Date.now() + 30_000; (await done()) < events.length && app.engine.state === 'running' && Date.now() < deadline; )
    await new Promise((r) => setTimeout(r, 50));
  const processed = await done();
  await probe.close();
  return { app, inner, pipeline, events, processed };
}

async function outputsAndStore(run: Awaited<ReturnType<typeof runWithFaults>>) {
  const { inner, pipeline } = run;
  const read = async (topic: string) => {
    const reader = inner.consumer({ isolation: 'read_committed' });
    await reader.assign([0, 1, 2].map((partition) => ({ topic, partition, offset: 0 })));
    const out = [];
    for (let empty = 0; empty < 3; ) {
      const batch = await reader.poll(10_000, 50);
      if (batch.length === 0) empty++;
      out.push(...batch);
    }
    await reader.close();
    return out;
  };
  const outputs = await read(pipeline.topics.context_aggregated!.name);
  const changelog = new Map<string, { version: number }>();
  for (const r of await read(pipeline.topics['user_context-changelog']!.name)) changelog.set(r.key!, decodeValue(r.value) as { version: number });
  return { outputs, changelog };
}

describe('engine under transport failures', () => {
  it('retries failed polls and failed transactions, replaces a fatal producer, and stays exactly-once', async () => {
    const faults: Faults = {
      polls: [transient('poll'), transient('poll')],
      commits: [
        transient('commitTransaction'),
        new AuraError(ErrorCodes.TRANSPORT_FAILED, 'commitTransaction: Local: Fatal error', { details: { fatal: true } }),
        transient('commitTransaction'),
      ],
      producersCreated: 0,
    };
    const run = await runWithFaults(faults);
    expect(run.app.engine.state).toBe('running');
    expect(run.processed).toBe(run.events.length);
    expect(faults.commits).toEqual([]); // every injected failure was hit
    expect(faults.polls).toEqual([]);
    expect(faults.producersCreated).toBe(2); // the fatal one was replaced
    await run.app.stop();
    const { outputs, changelog } = await outputsAndStore(run);
    expect(outputs).toHaveLength(run.events.length);
    const perUser = new Map<string, number>();
    for (const e of run.events) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
    const versions = new Map<string, number[]>();
    for (const r of outputs) {
      const v = decodeValue(r.value) as { user_id: string; version: number };
      versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
    }
    for (const [user, n] of perUser) {
      expect(versions.get(user)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(changelog.get(user)!.version).toBe(n);
    }
    await run.inner.close();
  }, 60_000);

  it('stops with a clear error when the producer is fenced', async () => {
    const fenced = new AuraError(ErrorCodes.TRANSPORT_FENCED, 'commitTransaction: producer fenced (Broker: Producer fenced)');
    const run = await runWithFaults({ polls: [], commits: [fenced], producersCreated: 0 });
    const err = await run.app.engine.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(run.app.engine.state).toBe('failed');
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).code).toBe('TRANSPORT_FENCED');
    expect((err as AuraError).message).toMatch(/instance "i1" of crash-test was fenced/);
    expect(run.processed).toBeLessThan(run.events.length);
    await run.app.resources.close();
    await run.inner.close();
  }, 60_000);
});
