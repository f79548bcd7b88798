/**
 * The engine through a broker outage, on the embedded log with every broker
 * call failing while it is "down" (commits, restores, committed offsets,
 * producer start; fetches keep working so that there is work to commit): it
 * stays up and says why it is not ready, continues by itself when the broker
 * is back — outputs exactly once, stores equal to the fold of the input — and
 * gives up with TASK_TIMEOUT when the outage outlasts task_timeout. The same
 * scenario with a real broker killed -9 is runtime/broker-outage.kafka.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { foldChangelog } from '../testing/support/changelog.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Consumer, Producer, Transport } from '../transports/types.js';
import { createPipelineApp, type PipelineApp } from './app.js';
import type { EngineHealth } from './health.js';
import { decodeValue, encodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

class Outage {
  since: number | undefined;
  start(): void {
    this.since ??= Date.now();
  }
  end(): void {
    this.since = undefined;
  }
  check(what: string): void {
    if (this.since !== undefined) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: Local: All broker connections are down`);
  }
}

/** The embedded transport whose broker calls fail while the outage lasts. */
function unreliable(inner: Transport, outage: Outage): Transport {
  const guard =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      outage.check(what);
      return fn(...args);
    };
  return {
    kind: inner.kind,
    connect: guard('connect', () => inner.connect()),
    admin: () => inner.admin(),
    partitionFor: (k, n) => inner.partitionFor(k, n),
    close: () => inner.close(),
    producer(options) {
      const p: Producer = inner.producer(options);
      for (const m of ['connect', 'send', 'sendOffsetsToTransaction', 'commitTransaction', 'abortTransaction'] as const) {
        const original = p[m]?.bind(p) as ((...a: unknown[]) => Promise<never>) | undefined;
        if (original) (p as unknown as Record<string, unknown>)[m] = guard(m, original);
      }
      return p;
    },
    consumer(options) {
      const c: Consumer = inner.consumer(options);
      for (const m of ['committed', 'endOffsets', 'beginningOffsets', 'commit'] as const) {
        (c as unknown as Record<string, unknown>)[m] = guard(m, c[m].bind(c) as (...a: unknown[]) => Promise<never>);
      }
      c.unreachableSince = () => (outage.since === undefined ? undefined : { since: outage.since, error: 'all broker connections are down' });
      return c;
    },
  };
}

async function setup(events: UserEvent[], taskTimeoutMs?: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-outage-'));
  dirs.push(dir);
  const pipeline = loadPipeline(path.join(ROOT, 'runtime/fixtures/crash.yaml'), { env: { AURA_STATE_DIR: dir } });
  if (taskTimeoutMs !== undefined) pipeline.defaults.taskTimeoutMs = taskTimeoutMs;
  const inner = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  const outage = new Outage();
  const app = createPipelineApp({ pipeline, transport: unreliable(inner, outage), logger: createLogger('outage'), stateDir: dir, instanceId: 'i1' });
  await app.start();
  const input = pipeline.topics.user_events!;
  const writer = inner.producer({});
  const produce = (list: UserEvent[]) =>
    writer.send(list.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
  const probe = inner.consumer({ groupId: pipeline.app, isolation: 'read_committed' });
  const processed = async () =>
    (await probe.committed([0, 1, 2].map((partition) => ({ topic: input.name, partition })))).reduce((n, o) => n + Math.max(0, o.offset), 0);
  const close = async () => {
    await writer.close();
    await probe.close();
    await inner.close();
  };
  return { app, inner, pipeline, outage, produce, processed, close };
}

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await ok()); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Every output once (versions 1..n per user), and the changelog folds to the fold of the input. */
async function expectExactlyOnce(inner: Transport, app: PipelineApp, events: UserEvent[]): Promise<void> {
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
  const { topics } = app.engine.options.pipeline;
  const outputs = await read(topics.context_aggregated!.name);
  const perUser = new Map<string, UserEvent[]>();
  for (const e of events) perUser.set(e.user_id, [...(perUser.get(e.user_id) ?? []), e]);
  const versions = new Map<string, number[]>();
  for (const r of outputs) {
    const v = decodeValue(r.value) as { user_id: string; version: number };
    versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
  }
  expect(outputs).toHaveLength(events.length);
  const folded = foldChangelog<{ version: number; events: Array<{ id: string }> }>(await read(topics['user_context-changelog']!.name), decodeValue);
  for (const [user, list] of perUser) {
    expect(versions.get(user), user).toEqual(list.map((_, i) => i + 1));
    expect(folded.get(user)!.version, user).toBe(list.length);
    expect(folded.get(user)!.events.map((e) => e.id)).toEqual(list.slice(-20).map((e) => e.id));
  }
}

describe('engine through a broker outage', () => {
  it('stays up, says why it is not ready, and continues exactly-once when the broker is back', async () => {
    const events = makeEvents(1200, 40, 11);
    const s = await setup(events);
    await s.produce(events.slice(0, 400));
    await until('the first events processed', async () => (await s.processed()) === 400);
    await until('ready', () => s.app.engine.health().ready);

    s.outage.start();
    await s.produce(events.slice(400, 800)); // fetched, processed, but nothing commits
    const seen: EngineHealth[] = [];
    await until('a commit and a restore retried', () => {
      const h = s.app.engine.health();
      seen.push(h);
      const ops = new Set(seen.flatMap((x) => x.retrying.map((r) => r.operation)));
      return ops.has('commit') && ops.has('restore');
    });
    await new Promise((r) => setTimeout(r, 1500));
    const during = s.app.engine.health();
    expect(during.state).toBe('running');
    expect(during.ready).toBe(false);
    expect(during.brokerUnreachableSince).toBe(s.outage.since);
    expect(during.reasons[0]).toBe(`broker unreachable since ${new Date(s.outage.since!).toISOString()} (all broker connections are down)`);
    expect(during.reasons.slice(1).join('\n')).toMatch(
      /^(commit|restore|read committed offsets) failing since \S+, \d+ attempts?, retrying until \S+: \w+: Local: All broker connections are down$/m,
    );
    expect(await s.processed()).toBe(400);

    s.outage.end();
    await s.produce(events.slice(800));
    await until('every event processed', async () => (await s.processed()) === events.length);
    await until('ready again', () => s.app.engine.health().ready);
    expect(s.app.engine.health()).toMatchObject({ state: 'running', ready: true, reasons: [], retrying: [] });
    await s.app.stop();
    await expectExactlyOnce(s.inner, s.app, events);
    await s.close();
  }, 60_000);

  it('stops at once when asked to during an outage, abandoning what was not committed', async () => {
    const events = makeEvents(200, 20, 13);
    const s = await setup(events);
    await s.produce(events.slice(0, 100));
    await until('the first events processed', async () => (await s.processed()) === 100);
    s.outage.start();
    await s.produce(events.slice(100));
    await until('a broker operation retrying', () => s.app.engine.health().retrying.length > 0);
    const started = Date.now();
    await s.app.stop();
    expect(Date.now() - started).toBeLessThan(5000); // not task_timeout (5 min)
    expect(s.app.engine.state).toBe('stopped');
    expect(await s.processed()).toBe(100);
    await s.close();
  }, 60_000);

  it('gives up with TASK_TIMEOUT when the outage outlasts task_timeout', async () => {
    const events = makeEvents(300, 20, 12);
    const s = await setup(events, 1500);
    await s.produce(events.slice(0, 100));
    await until('the first events processed', async () => (await s.processed()) === 100);
    s.outage.start();
    const started = Date.now();
    await s.produce(events.slice(100));
    const err = await s.app.engine.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).code).toBe(ErrorCodes.TASK_TIMEOUT);
    expect((err as AuraError).message).toMatch(
      /^gave up: (commit|restore|read committed offsets) kept failing for 1.5 s \(task_timeout\), since \S+, \d+ attempts?; last error: \w+: Local: All broker connections are down\. Is the broker reachable\?/,
    );
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(15_000);
    const h = s.app.engine.health();
    expect(h).toMatchObject({ state: 'failed', ready: false, lastError: { code: 'TASK_TIMEOUT' } });
    expect(await s.processed()).toBe(100); // nothing of the outage was committed
    await s.app.resources.close();
    await s.close();
  }, 60_000);
});
