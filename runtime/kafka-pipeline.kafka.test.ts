/**
 * The default pipeline.yaml on a real Kafka broker, end to end: topics made
 * with `aura topics apply`, events produced to the user events topic become
 * aggregated contexts, vectors in the vector sink, ingest results; a guardian
 * request is answered with the user's latest context; a poison record lands
 * in the dead-letter topic with its coordinates while processing goes on.
 * Names are unique per run (a copy of pipeline.yaml with another app and topic prefix).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { VectorSink } from '../providers/types.js';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import { foldChangelog } from '../testing/support/changelog.js';
import { makeEvents } from '../testing/support/events.js';
import { aura, kafkaTransport, pipelineCopy, ROOT, readTopic, tempDir, uniquePrefix, waitFor } from '../testing/support/kafka-harness.js';
import { cleanUpRun } from '../testing/support/run-cleanup.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createPipelineApp, type PipelineApp } from './app.js';
import { DLQ_HEADERS } from './dead-letter.js';
import { decodeValue, encodeValue } from './serde.js';

const EVENTS = 300;
const USERS = 20;

describe('default pipeline on Kafka', () => {
  const prefix = uniquePrefix('e2e');
  const dir = tempDir('aura-kafka-e2e');
  const file = pipelineCopy(path.join(ROOT, 'pipeline.yaml'), dir, [
    ['app: aura360', `app: ${prefix}`],
    ['name: aura360.', `name: ${prefix}.`],
  ]);
  const transport = kafkaTransport();
  const events = makeEvents(EVENTS, USERS, 11);
  let pipeline: Pipeline;
  let app: PipelineApp;

  const topic = (id: string) => pipeline.topics[id]!;
  const read = async (id: string) => readTopic(transport, topic(id).name, topic(id).partitions);

  beforeAll(async () => {
    pipeline = loadPipeline(file, { env: { ...process.env, AURA_VECTOR_DB: ':memory:' } });
    expect(pipeline.app).toBe(prefix);

    // Topics as code: the plan lists every topic to create, apply creates them, then nothing is left.
    const plan = await aura(['topics', 'plan', file]);
    expect(plan.code).toBe(0);
    expect(plan.out).toContain(`+ ${prefix}-user_context-changelog: create`);
    expect(plan.out).toMatch(/12 to create, 0 to grow/);
    const apply = await aura(['topics', 'apply', file]);
    expect(apply.code).toBe(0);
    expect(apply.out).toContain('applied: 12 created');
    const again = await aura(['topics', 'plan', file, '--exit-code']);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/0 to create, 0 to grow, 12 up to date/);

    app = createPipelineApp({
      pipeline,
      transport,
      logger: createLogger('e2e'),
      stateDir: path.join(dir, 'state'),
      instanceId: 'i1',
      topics: 'check',
      resources: { overrides: { embedder: createHashingEmbedder() } },
    });
    await app.start();
    const producer = transport.producer({});
    await producer.send(events.map((e) => ({ topic: topic('user_events').name, key: e.user_id, value: encodeValue(e), timestamp: Date.parse(e.time) })));
    await producer.close();
  }, 120_000);

  afterAll(async () => {
    await app?.stop();
    await cleanUpRun(
      transport,
      Object.values(pipeline.topics).map((t) => t.name),
      dir,
    );
  });

  it('aggregates every event, and vectorizes and ingests every context it emits, exactly once', async () => {
    const expected = new Map<string, number>();
    for (const e of events) expected.set(e.user_id, (expected.get(e.user_id) ?? 0) + 1);
    // emit: on_commit (the default pipeline's aggregate): a user's events of one commit make one
    // context, so the chain is complete when each user's last context counts all of its events and
    // every context was vectorized and ingested.
    const lastVersions = (records: Awaited<ReturnType<typeof read>>) => {
      const last = new Map<string, number>();
      for (const r of records) last.set(r.key!, (decodeValue(r.value) as { version: number }).version);
      return last;
    };
    await waitFor(
      'every event aggregated and every context ingested',
      async () => {
        const contexts = await read('context_aggregated');
        const last = lastVersions(contexts);
        if ([...expected].some(([user, n]) => last.get(user) !== n)) return false;
        return (await read('vectordb_ingest')).length >= contexts.length;
      },
      90_000,
      500,
    );
    const contexts = await read('context_aggregated');
    expect(contexts.length).toBeGreaterThanOrEqual(USERS);
    expect(contexts.length).toBeLessThanOrEqual(EVENTS);
    // Per user, versions strictly increasing up to its number of events, on one partition (murmur2 of the user id).
    const versions = new Map<string, number[]>();
    for (const r of contexts) {
      const v = decodeValue(r.value) as { user_id: string; version: number };
      expect(r.key).toBe(v.user_id);
      expect(r.partition).toBe(transport.partitionFor(v.user_id, topic('context_aggregated').partitions));
      versions.set(v.user_id, [...(versions.get(v.user_id) ?? []), v.version]);
    }
    for (const [user, list] of versions) {
      for (let i = 1; i < list.length; i++) expect(list[i]!, user).toBeGreaterThan(list[i - 1]!);
      expect(list.at(-1), user).toBe(expected.get(user));
    }
    expect(versions.size).toBe(expected.size);
    // Exactly once down the chain: one vector and one ingest result per context.
    expect(await read('context_vectorized')).toHaveLength(contexts.length);
    const ingested = await read('vectordb_ingest');
    expect(ingested).toHaveLength(contexts.length);
    // The vector sink holds one point per distinct point id (deterministic: user and window span).
    const ids = new Set(ingested.map((r) => (decodeValue(r.value) as { point_id: string }).point_id));
    const sink = app.resources.get<VectorSink>('context_vectors');
    expect(await sink.count()).toBe(ids.size);
    // The changelog of the aggregate store folds to the per-user state.
    const latest = foldChangelog<{ version: number }>(await read('user_context-changelog'), decodeValue);
    expect(latest.size).toBe(expected.size);
    for (const [user, state] of latest) expect(state.version).toBe(expected.get(user));
  }, 120_000);

  it('answers a guardian request with the latest context, in ordered chunks', async () => {
    const user = events[0]!.user_id;
    const now = Date.now();
    const producer = transport.producer({});
    await producer.send([
      {
        topic: topic('guardian_requests').name,
        key: user,
        value: encodeValue({ correlation_id: `${prefix}-c1`, user_id: user, question: 'How can I sleep better?', deadline: now + 60_000, created_at: now }),
      },
    ]);
    await producer.close();
    let response: { status: string; context_version: number | null; advice: string } | undefined;
    await waitFor(
      'the guardian response',
      async () => {
        const found = (await read('guardian_responses'))
          .map((r) => decodeValue(r.value) as { correlation_id: string } & NonNullable<typeof response>)
          .find((r) => r.correlation_id === `${prefix}-c1`);
        response = found;
        return found !== undefined;
      },
      60_000,
      300,
    );
    expect(response!.status).toBe('ok');
    expect(response!.context_version).toBe(events.filter((e) => e.user_id === user).length);
    const chunks = (await read('guardian_chunks'))
      .map((r) => decodeValue(r.value) as { correlation_id: string; seq: number; final: boolean; text: string })
      .filter((c) => c.correlation_id === `${prefix}-c1`);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.at(-1)!.final).toBe(true);
    expect(
      chunks
        .slice(0, -1)
        .map((c) => c.text)
        .join(' '),
    ).toBe(response!.advice);
  }, 90_000);

  it('sends a poison record to the dead-letter topic with its coordinates and goes on', async () => {
    const producer = transport.producer({});
    const input = topic('user_events');
    const [meta] = await producer.send([{ topic: input.name, key: 'user-0', value: Buffer.from('{not json') }]);
    const good = { ...makeEvents(1, 1, 99, Date.now())[0]!, user_id: 'user-0' };
    await producer.send([{ topic: input.name, key: 'user-0', value: encodeValue(good), timestamp: Date.parse(good.time) }]);
    await producer.close();
    let dead: Awaited<ReturnType<typeof read>> = [];
    await waitFor('the dead letter', async () => (dead = await read('dead_letters')).length > 0, 60_000, 300);
    expect(dead).toHaveLength(1);
    const poison = dead[0]!;
    expect(poison.headers[DLQ_HEADERS.topic]).toBe(input.name);
    expect(poison.headers[DLQ_HEADERS.partition]).toBe(String(meta!.partition));
    expect(poison.headers[DLQ_HEADERS.offset]).toBe(String(meta!.offset));
    expect(poison.headers[DLQ_HEADERS.code]).toBe('DESERIALIZATION');
    expect(poison.value!.toString()).toBe('{not json');
    // The next record of the same key was processed after it.
    await waitFor(
      'the good record after the poison one',
      async () => {
        const ctx = (await read('context_aggregated')).map((r) => decodeValue(r.value) as { user_id: string; last_event_id: string });
        return ctx.some((c) => c.user_id === 'user-0' && c.last_event_id === good.id);
      },
      60_000,
      300,
    );
  }, 90_000);
});
