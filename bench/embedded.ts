/**
 * The benches on the embedded log (one process, SQLite files in a temp dir):
 *   (a)  bench/aggregate.yaml: the per-user context window alone, exactly-once;
 *        then end-to-end latency at a fixed rate on the same, caught-up app.
 *   (b)  pipeline.yaml as shipped (MiniLM embedder: embedder-bound);
 *   (b') pipeline.yaml with the hashing embedder: the engine's own cost.
 * Input is written first, then the app starts and is timed until its
 * committed offsets cover the input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../common/logger.js';
import { createPipelineApp, type PipelineApp } from '../runtime/app.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createHashingEmbedder } from '../providers/embedders/hashing.js';
import { MINILM_DIMS } from '../providers/embedders/minilm.js';
import { benchEvents, type GroupTiming, partitionsOf, produceEvents, waitForGroup, waitForPipeline } from './common.js';
import { type LatencyResult, measureLatency } from './latency.js';

const HERE = import.meta.dirname;
const logger = createLogger('bench', process.env.AURA_LOG_LEVEL ?? 'warn');

export interface ThroughputResult {
  name: string;
  events: number;
  users: number;
  timing: GroupTiming;
  eventsPerSecond: number;
  commits: number;
  recordsOut: number;
  latency?: LatencyResult;
}

/** Throws when the engine stopped on an error (so that a wait does not last until its timeout). */
export function failureCheck(app: PipelineApp): () => void {
  return () => {
    if (app.engine.state === 'failed') throw new Error(`${app.engine.options.pipeline.app}: the engine failed (see the log above)`);
  };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-'));
}

export async function benchAggregateEmbedded(o: { events: number; users: number; partitions: number; rate: number; seconds: number }): Promise<ThroughputResult> {
  const dir = tempDir();
  const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_BENCH_PARTITIONS: String(o.partitions), AURA_BENCH_PROCESSING: 'exactly_once' };
  const pipeline = loadPipeline(path.join(HERE, 'aggregate.yaml'), { env });
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  try {
    await transport.connect();
    const input = pipeline.topics.user_events!;
    const output = pipeline.topics.context_aggregated!;
    const app = createPipelineApp({ pipeline, transport, logger, stateDir: path.join(dir, 'state'), instanceId: 'bench', topics: 'create' });
    const { ensureTopics } = await import('../runtime/topics.js');
    await ensureTopics(pipeline, transport.admin(), 'create', logger);
    await produceEvents(transport, input.name, input.partitions, benchEvents(o.events, o.users));
    const started = performance.now();
    await app.start();
    const check = failureCheck(app);
    const waited = await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), o.events, started, { check });
    // No "steady" figure on the embedded log: with a backlog the engine's loop never yields to timers
    // (every poll resolves at once), so the probe only sees the offsets once the backlog is gone.
    // The wall time is exact within one poll timeout; start-up is ~10 ms here anyway.
    const timing = { ...waited, steadySeconds: 0, steadyRecords: 0 };
    const m = app.engine.metrics;
    const result: ThroughputResult = {
      name: `(a) aggregate alone, embedded, exactly_once, ${input.partitions} partition(s), commit every ${pipeline.defaults.commitIntervalMs} ms`,
      events: o.events,
      users: o.users,
      timing,
      eventsPerSecond: o.events / timing.wallSeconds,
      commits: m.commits,
      recordsOut: m.recordsProduced,
    };
    if (o.seconds > 0) {
      result.latency = await measureLatency({ transport, input, output, rate: o.rate, seconds: o.seconds, users: o.users, seed: 7, check });
    }
    await app.stop();
    return result;
  } finally {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The default pipeline.yaml; `hashing` swaps MiniLM for the hashing embedder (same dimension). */
export async function benchPipelineEmbedded(o: { events: number; users: number; embedder: 'minilm' | 'hashing' }): Promise<ThroughputResult> {
  const dir = tempDir();
  const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_VECTOR_DB: path.join(dir, 'vectors.db') };
  const pipeline = loadPipeline(path.join(HERE, '../pipeline.yaml'), { env });
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  try {
    await transport.connect();
    const overrides = o.embedder === 'hashing' ? { embedder: createHashingEmbedder({ dims: MINILM_DIMS }) } : undefined;
    const app = createPipelineApp({ pipeline, transport, logger, stateDir: path.join(dir, 'state'), instanceId: 'bench', resources: { overrides }, topics: 'create' });
    const { ensureTopics } = await import('../runtime/topics.js');
    await ensureTopics(pipeline, transport.admin(), 'create', logger);
    const input = pipeline.topics.user_events!;
    await produceEvents(transport, input.name, input.partitions, benchEvents(o.events, o.users));
    await app.resources.warmUp(); // model load is not part of the timing
    const started = performance.now();
    await app.start();
    const seconds = await waitForPipeline(transport, pipeline, started, failureCheck(app));
    const m = app.engine.metrics;
    await app.stop();
    const label = o.embedder === 'minilm' ? "(b) default pipeline.yaml, embedded, exactly_once, MiniLM embedder" : "(b') default pipeline.yaml, embedded, exactly_once, hashing embedder";
    return {
      name: `${label}, ${input.partitions} partitions`,
      events: o.events,
      users: o.users,
      timing: { wallSeconds: seconds, steadySeconds: 0, steadyRecords: 0 },
      eventsPerSecond: o.events / seconds,
      commits: m.commits,
      recordsOut: m.recordsProduced,
    };
  } finally {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
