/**
 * The engine end to end through the test driver, on the default pipeline:
 * state equals a fold of the input, outputs follow it, joins pair the right
 * records, poison records become dead letters with their coordinates.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import { makeEvents, type UserEvent } from '../testing/support/events.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { DLQ_HEADERS } from './dead-letter.js';

const PIPELINE = path.resolve(import.meta.dirname, '../pipeline.yaml');

describe('default pipeline through the test driver', () => {
  let driver: TopologyTestDriver;
  const events = makeEvents(600, 12, 7);

  beforeAll(async () => {
    driver = await TopologyTestDriver.fromFile(PIPELINE, {
      env: { AURA_VECTOR_DB: ':memory:' },
      resources: { embedder: createHashingEmbedder() },
    });
    // Two batches: state must carry over between commits.
    await driver.pipeInput(
      'user_events',
      events.slice(0, 300).map((e) => ({ key: e.user_id, value: e, timestamp: Date.parse(e.time) })),
    );
    await driver.pipeInput(
      'user_events',
      events.slice(300).map((e) => ({ key: e.user_id, value: e, timestamp: Date.parse(e.time) })),
    );
  }, 60_000);

  afterAll(async () => {
    await driver?.close();
  });

  it('keeps per-user state equal to a fold of the input', () => {
    const store = driver.readKeyValueStore<{ version: number; events: Array<{ id: string }>; ikigai: Record<string, number> }>('user_context');
    const byUser = new Map<string, UserEvent[]>();
    for (const e of events) byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), e]);
    expect(Object.keys(store).sort()).toEqual([...byUser.keys()].sort());
    for (const [user, list] of byUser) {
      const s = store[user]!;
      expect(s.version).toBe(list.length);
      expect(s.events.map((e) => e.id)).toEqual(list.slice(-50).map((e) => e.id));
      const lastIkigai = list.filter((e) => e.type === 'user.ikigai.updated').at(-1);
      if (lastIkigai) expect(s.ikigai.love).toBe((lastIkigai.data.dimensions as { love: number }).love);
    }
  });

  let contexts = 0;
  it('emits the latest context of each user per commit (emit: on_commit), the last one summarising the window', async () => {
    const out = await driver.readOutput('context_aggregated');
    contexts = out.length;
    const users = new Set(events.map((e) => e.user_id)).size;
    // Each batch is processed in one commit: one context per user and batch.
    expect(out).toHaveLength(2 * users);
    const versions = new Map<string, number[]>();
    for (const r of out) versions.set(r.key!, [...(versions.get(r.key!) ?? []), (r.value as { version: number }).version]);
    for (const [user, vs] of versions)
      expect(vs).toEqual([events.slice(0, 300).filter((e) => e.user_id === user).length, events.filter((e) => e.user_id === user).length]);
    const last = new Map<string, any>();
    for (const r of out) last.set(r.key!, r.value);
    for (const [user, ctx] of last) {
      const window = events.filter((e) => e.user_id === user).slice(-50);
      const scores = window.filter((e) => e.type === 'user.mood.created').map((e) => e.data.score as number);
      const avg = Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100;
      expect(ctx.user_id).toBe(user);
      expect(ctx.mood.count).toBe(scores.length);
      expect(ctx.mood.avg).toBeCloseTo(avg, 2);
      expect(ctx.window.events).toBe(window.length);
      expect(ctx.last_event_id).toBe(window.at(-1)!.id);
      expect(ctx.summary_text).toContain('Mood averaged');
    }
  });

  it('keys every output by user and keeps each user on one partition (murmur2)', async () => {
    const vectorized = await driver.readOutput('context_vectorized');
    expect(vectorized).toHaveLength(contexts);
    const partitions = new Map<string, Set<number>>();
    for (const r of vectorized) partitions.set(r.key!, (partitions.get(r.key!) ?? new Set()).add(r.partition));
    for (const set of partitions.values()) expect(set.size).toBe(1);
    const ingested = await driver.readOutput('vectordb_ingest');
    expect(ingested).toHaveLength(contexts);
    expect(new Set(ingested.map((r) => (r.value as { point_id: string }).point_id)).size).toBe(contexts);
  });

  it('counts what it did into metrics named after Kafka Streams', () => {
    const m = driver.app.engine.metrics;
    expect(m.pollRecordsTotal).toBeGreaterThanOrEqual(600);
    expect(m.node('aggregate_context').processTotal).toBe(600);
    expect(m.node('user_events-source').processTotal).toBe(600);
    expect(m.commitTotal).toBeGreaterThan(0);
    expect(m.commitLatency.count).toBe(m.commitTotal);
    expect(m.pollTotal).toBe(m.pollLatency.count);
    // Each output of the hop observed once with its end-to-end latency (emit: on_commit merges a user's events).
    expect(m.node('aggregate_context-to-context_aggregated').recordE2eLatency?.count).toBe(contexts);
    expect(m.recordsProducedTotal).toBeGreaterThanOrEqual(600);
    expect(m.committedE2eLatency.count).toBe(m.recordsProducedTotal);
    // The state stores of every task, with their cache counters.
    const stores = m.stateStores();
    expect(stores.map((t) => t.taskId).sort()).toEqual([...driver.app.engine.tasks.keys()].sort());
    const userContext = stores.flatMap((t) => t.stores).filter((s) => s.store === 'user_context');
    expect(userContext.reduce((n, s) => n + s.cacheHits + s.cacheMisses, 0)).toBeGreaterThanOrEqual(600);
    expect(m.cacheHitRatio()).toBeGreaterThan(0);
    expect(m.cacheHitRatio()).toBeLessThanOrEqual(1);
    expect(m.taskCreatedTotal).toBe(driver.app.engine.tasks.size);
    expect(m.rebalanceTotal).toBeGreaterThan(0);
  });

  it('pairs mood entries with activities of the same user within the join window', async () => {
    const pairs = await driver.readOutput('mood_activity');
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      const { left, right } = p.value as { left: UserEvent; right: UserEvent };
      expect(left.type).toBe('user.mood.created');
      expect(right.type).toBe('user.activity.created');
      expect(left.user_id).toBe(right.user_id);
      expect(Math.abs(Date.parse(left.time) - Date.parse(right.time))).toBeLessThanOrEqual(2 * 3600_000);
    }
    // Every mood/activity pair of a user within 2 h appears exactly once.
    let expected = 0;
    const moods = events.filter((e) => e.type === 'user.mood.created');
    const acts = events.filter((e) => e.type === 'user.activity.created');
    for (const m of moods) for (const a of acts) if (a.user_id === m.user_id && Math.abs(Date.parse(a.time) - Date.parse(m.time)) <= 2 * 3600_000) expected++;
    expect(pairs).toHaveLength(expected);
  });

  it('answers a guardian request joined with the latest context, in ordered chunks', async () => {
    const user = events[0]!.user_id;
    const now = driver.clock.now();
    await driver.pipeInput('guardian_requests', [
      { key: user, value: { correlation_id: 'c-1', user_id: user, question: 'How can I sleep better?', deadline: now + 30_000, created_at: now } },
      { key: 'nobody', value: { correlation_id: 'c-2', user_id: 'nobody', question: 'Any advice?', deadline: now + 30_000, created_at: now } },
      { key: user, value: { correlation_id: 'c-3', user_id: user, question: 'Too late?', deadline: now - 1, created_at: now - 60_000 } },
    ]);
    const responses = new Map((await driver.readOutput('guardian_responses')).map((r) => [(r.value as any).correlation_id, r.value as any]));
    expect(responses.get('c-1')!.status).toBe('ok');
    expect(responses.get('c-1')!.context_version).toBe(events.filter((e) => e.user_id === user).length);
    // Similar past contexts of this user were retrieved from the vector store (and only theirs):
    // the two it has, one per batch (emit: on_commit), of top_k 3.
    expect(responses.get('c-1')!.sources.length).toBe(2);
    expect(responses.get('c-2')!.sources).toEqual([]);
    expect(responses.get('c-2')!.status).toBe('ok');
    expect(responses.get('c-2')!.context_version).toBeNull();
    expect(responses.get('c-3')!.status).toBe('timeout');
    const chunks = (await driver.readOutput('guardian_chunks')).map((r) => r.value as any).filter((c) => c.correlation_id === 'c-1');
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.at(-1)!.final).toBe(true);
    expect(
      chunks
        .slice(0, -1)
        .map((c) => c.text)
        .join(' '),
    ).toBe(responses.get('c-1')!.advice);
  });

  it('sends a poison record to the dead letter topic with its coordinates and goes on', async () => {
    const producer = driver.transport.producer({});
    const topic = driver.pipeline.topics.user_events!;
    const partition = driver.transport.partitionFor('user-0', topic.partitions);
    const [meta] = await producer.send([{ topic: topic.name, partition, key: 'user-0', value: Buffer.from('{not json') }]);
    await producer.close();
    const good = makeEvents(1, 1, 99, Date.now())[0]!; // later than every event so far: it ends the window
    await driver.pipeInput('user_events', [{ key: 'user-0', value: { ...good, user_id: 'user-0' } }]);
    const dead = await driver.readOutput('dead_letters');
    const poison = dead.find((d) => d.headers[DLQ_HEADERS.offset] === String(meta!.offset))!;
    expect(poison).toBeDefined();
    expect(poison.headers[DLQ_HEADERS.topic]).toBe(topic.name);
    expect(poison.headers[DLQ_HEADERS.partition]).toBe(String(partition));
    expect(poison.headers[DLQ_HEADERS.code]).toBe('DESERIALIZATION');
    expect(poison.key).toBe('user-0');
    const store = driver.readKeyValueStore<{ events: Array<{ id: string }> }>('user_context');
    expect(store['user-0']!.events.at(-1)!.id).toBe(good.id);
  });
});
