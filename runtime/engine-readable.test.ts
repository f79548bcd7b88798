/**
 * engine.onReadable: what the engine hands over is exactly what a
 * read_committed reader of its output topics sees — the outputs of committed
 * transactions, each once, in the log's order per partition, never a
 * changelog record and never the outputs of a transaction that failed (those
 * are re-processed and handed over when their retry commits).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import { makeEvents } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { OutgoingRecord, Transport } from '../transports/types.js';
import { createPipelineApp } from './app.js';
import { decodeValue, encodeValue } from './serde.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The embedded transport whose transactional producer fails the next `failures` commits (a broker rejecting EndTxn). */
function failingCommits(inner: Transport, failures: AuraError[]): Transport {
  return {
    kind: inner.kind,
    connect: () => inner.connect(),
    admin: () => inner.admin(),
    partitionFor: (k, n) => inner.partitionFor(k, n),
    close: () => inner.close(),
    consumer: (options) => inner.consumer(options),
    producer(options) {
      const p = inner.producer(options);
      if (!options.transactionalId) return p;
      const commit = p.commitTransaction.bind(p);
      p.commitTransaction = async () => {
        const err = failures.shift();
        if (err) throw err;
        return commit();
      };
      return p;
    },
  };
}

describe('engine.onReadable', () => {
  it('hands over the outputs of committed transactions only, once each, in order, without changelogs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-readable-'));
    dirs.push(dir);
    const pipeline = loadPipeline(path.join(ROOT, 'runtime/fixtures/crash.yaml'), { env: { AURA_STATE_DIR: dir } });
    const inner = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    const failures = [1, 2, 3].map(() => new AuraError(ErrorCodes.TRANSPORT_FAILED, 'commitTransaction: Broker: Not coordinator', { retriable: true }));
    const app = createPipelineApp({
      pipeline,
      transport: failingCommits(inner, failures),
      logger: createLogger('readable', 'silent'),
      stateDir: dir,
      instanceId: 'r1',
    });
    const handed: OutgoingRecord[] = [];
    let calls = 0;
    const off = app.engine.onReadable((records) => {
      calls++;
      handed.push(...records);
    });
    // A listener that throws changes nothing for the engine nor for the other listeners.
    app.engine.onReadable(() => {
      throw new Error('a broken listener');
    });
    await app.start();
    const events = makeEvents(600, 20, 5);
    const input = pipeline.topics.user_events!;
    const output = pipeline.topics.context_aggregated!.name;
    const producer = inner.producer({});
    // Two rounds: the second one's outputs come with later commits.
    for (const round of [events.slice(0, 300), events.slice(300)]) {
      await producer.send(round.map((e) => ({ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
      const want = events.indexOf(round.at(-1)!) + 1;
      for (const deadline = Date.now() + 30_000; handed.length < want && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    }
    await producer.close();
    expect(failures).toEqual([]); // every failed commit was hit: their outputs were aborted and redone
    expect(app.engine.state).toBe('running');
    off();
    await app.stop();

    // What a read_committed reader sees on the output topic, per partition in offset order.
    const reader = inner.consumer({ isolation: 'read_committed' });
    await reader.assign([0, 1, 2].map((partition) => ({ topic: output, partition, offset: 0 })));
    const committed: Array<{ partition: number; key: string | null; value: unknown }> = [];
    for (let empty = 0; empty < 3; ) {
      const batch = await reader.poll(10_000, 50);
      if (batch.length === 0) empty++;
      for (const r of batch) committed.push({ partition: r.partition, key: r.key, value: decodeValue(r.value) });
    }
    await reader.close();

    expect(calls).toBeGreaterThan(1);
    expect(new Set(handed.map((r) => r.topic))).toEqual(new Set([output])); // no changelog record
    expect(handed).toHaveLength(events.length);
    expect(committed).toHaveLength(events.length);
    for (const p of [0, 1, 2]) {
      const mine = handed.filter((r) => r.partition === p).map((r) => ({ partition: p, key: r.key, value: decodeValue(r.value) }));
      expect(mine, `partition ${p}`).toEqual(committed.filter((r) => r.partition === p));
    }
    // Each user's versions 1..n once and in order: nothing of an aborted transaction was handed over.
    const versions = new Map<string, number[]>();
    for (const r of handed) {
      const v = decodeValue(r.value) as { user_id: string; version: number };
      versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
    }
    const perUser = new Map<string, number>();
    for (const e of events) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
    for (const [user, n] of perUser) expect(versions.get(user), user).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await inner.close();
  }, 60_000);
});

describe('a fused chain of asynchronous nodes', () => {
  it('hands over every hop of a record once, the later hops with its commit or a later one (aggregate → vectorize → ingest)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-readable-chain-'));
    dirs.push(dir);
    const pipeline = loadPipeline(path.join(ROOT, 'pipeline.yaml'), { env: { ...process.env, AURA_VECTOR_DB: ':memory:' } });
    const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
    const app = createPipelineApp({
      pipeline,
      transport,
      logger: createLogger('readable-chain', 'silent'),
      stateDir: dir,
      instanceId: 'c1',
      resources: { overrides: { embedder: createHashingEmbedder() } },
    });
    const topics = [pipeline.topics.context_aggregated!.name, pipeline.topics.context_vectorized!.name, pipeline.topics.vectordb_ingest!.name];
    const handOvers: Array<Map<string, number>> = [];
    app.engine.onReadable((records) => {
      const perTopic = new Map<string, number>();
      for (const r of records) if (topics.includes(r.topic)) perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
      if (perTopic.size > 0) handOvers.push(perTopic);
    });
    await app.start();
    const producer = transport.producer({});
    const events = makeEvents(40, 10, 7);
    const input = pipeline.topics.user_events!;
    for (const [i, e] of events.entries()) {
      await producer.send([
        { topic: input.name, partition: transport.partitionFor(e.user_id, input.partitions), key: e.user_id, value: encodeValue(e), timestamp: Date.now() },
      ]);
      if (i % 8 === 7) await new Promise((r) => setTimeout(r, 30));
    }
    const ingested = () => handOvers.reduce((n, m) => n + (m.get(topics[2]!) ?? 0), 0);
    const aggregated = () => handOvers.reduce((n, m) => n + (m.get(topics[0]!) ?? 0), 0);
    for (const deadline = Date.now() + 20_000; (aggregated() === 0 || ingested() < aggregated()) && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 50));
    await producer.close();
    await app.stop();
    await transport.close();
    expect(aggregated()).toBeGreaterThan(0);
    // Commits do not wait for the lanes (runtime/lane-tracker.ts): a context's vector and ingest
    // record come with its commit or a later one, never before it, and each exactly once.
    const sum = (i: number, upTo: number) => handOvers.slice(0, upTo + 1).reduce((n, m) => n + (m.get(topics[i]!) ?? 0), 0);
    for (let k = 0; k < handOvers.length; k++) {
      expect(sum(1, k), `hand-over ${k}`).toBeLessThanOrEqual(sum(0, k));
      expect(sum(2, k), `hand-over ${k}`).toBeLessThanOrEqual(sum(1, k));
    }
    expect([sum(1, handOvers.length - 1), sum(2, handOvers.length - 1)]).toEqual([aggregated(), aggregated()]);
  }, 60_000);
});
