/**
 * The default pipeline.yaml on the embedded log, exactly-once, 6 partitions:
 *   (b)  with MiniLM as shipped (embedder-bound; target ≥ 1,000 events/s for
 *        20,000 events over 1,000 users, sustained);
 *   (b') with the hashing embedder instead (the rest of the pipeline's cost).
 * The app is timed from start until every source topic is consumed and
 * committed; then the end state is verified: every event aggregated (the
 * last context of each user has `version` = its number of events) and every
 * user's latest context vectorized and ingested (the vector store holds the
 * point of that context, with its summary text).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createMiniLmEmbedder, defaultMiniLmWorkers, MINILM_DIMS } from '../providers/embedders/minilm.js';
import { pointId } from '../providers/types.js';
import { createEmbeddedVectorStore } from '../providers/vectors/embedded.js';
import { createPipelineApp } from '../runtime/app.js';
import { ensureTopics } from '../runtime/topics.js';
import { createHashingEmbedder } from '../testing/hashing-embedder.js';
import type { UserEvent } from '../testing/support/events.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { benchEvents, fmt, partitionsOf, produceEvents, readLastByKey, waitForPipeline } from './common.js';
import { failureCheck, logger, type ThroughputResult, tempDir } from './embedded.js';
import { checkTarget } from './targets.js';

const PIPELINE_YAML = path.resolve(import.meta.dirname, '../pipeline.yaml');

interface AggregatedContext {
  user_id: string;
  version: number;
  window: { start: number; end: number };
  summary_text: string;
}

export interface PipelineBenchOptions {
  events: number;
  users: number;
  embedder: 'minilm' | 'hashing';
  /** MiniLM worker threads instead of the default (defaultMiniLmWorkers). */
  minilmWorkers?: number;
}

export async function benchPipelineEmbedded(o: PipelineBenchOptions): Promise<ThroughputResult> {
  const dir = tempDir();
  const vectorDb = path.join(dir, 'vectors.db');
  const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_VECTOR_DB: vectorDb };
  const pipeline = loadPipeline(PIPELINE_YAML, { env });
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  try {
    await transport.connect();
    const workers = o.minilmWorkers ?? defaultMiniLmWorkers();
    const embedder =
      o.embedder === 'hashing'
        ? createHashingEmbedder({ dims: MINILM_DIMS })
        : o.minilmWorkers
          ? createMiniLmEmbedder({ workers, log: (l) => logger.info(l) })
          : undefined;
    const overrides = embedder ? { embedder } : undefined;
    const app = createPipelineApp({
      pipeline,
      transport,
      logger,
      stateDir: path.join(dir, 'state'),
      instanceId: 'bench',
      resources: { overrides },
      topics: 'create',
    });
    await ensureTopics(pipeline, transport.admin(), 'create', logger);
    const input = pipeline.topics.user_events!;
    const events = benchEvents(o.events, o.users);
    await produceEvents(transport, input.name, input.partitions, events);
    await app.resources.warmUp(); // model load and worker start are not part of the timing
    const started = performance.now();
    await app.start();
    const seconds = await waitForPipeline(transport, pipeline, started, failureCheck(app));
    const m = app.engine.metrics;
    await app.stop();
    const aggregated = pipeline.topics.context_aggregated!;
    const problems = await verifyPipeline(transport, aggregated.name, aggregated.partitions, events, vectorDb);
    // Contexts aggregated = texts embedded (one per context): what the record cache saved the embedder.
    const ends = await transport.admin().offsetsFor(partitionsOf(aggregated.name, aggregated.partitions), 'latest');
    const contexts = ends.reduce((n, e) => n + e.offset, 0);
    const label =
      o.embedder === 'minilm'
        ? `(b) default pipeline.yaml, embedded, exactly_once, MiniLM embedder (${workers} worker${workers > 1 ? 's' : ''})`
        : "(b') default pipeline.yaml, embedded, exactly_once, hashing embedder";
    const eventsPerSecond = o.events / seconds;
    return {
      name: `${label}, ${input.partitions} partitions, ${fmt(contexts)} contexts embedded`,
      events: o.events,
      users: new Set(events.map((e) => e.user_id)).size,
      timing: { wallSeconds: seconds, steadySeconds: 0, steadyRecords: 0 },
      eventsPerSecond,
      commits: m.commitTotal,
      recordsOut: m.recordsProducedTotal,
      problems,
      target: o.embedder === 'minilm' ? { id: 'pipeline-minilm', ...checkTarget('pipeline-minilm', eventsPerSecond, o.events) } : undefined,
    };
  } finally {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every event aggregated, every user's latest context in the vector store (at most 5 problems described per kind). */
export async function verifyPipeline(
  transport: Transport,
  aggregatedTopic: string,
  partitions: number,
  events: UserEvent[],
  vectorDb: string,
): Promise<string[]> {
  const perUser = new Map<string, number>();
  for (const e of events) perUser.set(e.user_id, (perUser.get(e.user_id) ?? 0) + 1);
  const last = (await readLastByKey(transport, aggregatedTopic, partitions)) as Map<string, AggregatedContext>;
  const problems: string[] = [];
  const say = (p: string): void => void (problems.length < 10 && problems.push(p));
  if (last.size !== perUser.size) say(`${last.size} users have a context, ${perUser.size} expected`);
  const vectors = createEmbeddedVectorStore({ path: vectorDb });
  try {
    let missing = 0;
    for (const [user, n] of perUser) {
      const context = last.get(user);
      if (context?.version !== n) {
        say(`${user}: ${n} events, its last context has version ${String(context?.version)}`);
        continue;
      }
      const id = pointId(user, context.window.start, context.window.end);
      const points = await vectors.count(user);
      const hits = points > 0 ? await vectors.search({ vector: unit(MINILM_DIMS), userId: user, topK: points }) : [];
      const hit = hits.find((h) => h.id === id);
      if (!hit || hit.payload.summary_text !== context.summary_text) {
        missing++;
        say(`${user}: the latest context (version ${n}, point ${id}) is not in the vector store${hit ? ' with its summary' : ''}`);
      }
    }
    if (missing > 0) say(`${missing} of ${perUser.size} users' latest contexts missing from the vector store`);
  } finally {
    await vectors.close();
  }
  return problems;
}

function unit(dims: number): Float32Array {
  const v = new Float32Array(dims);
  v[0] = 1;
  return v;
}
