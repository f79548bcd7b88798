/**
 * The aggregation workloads on the embedded log (one process, SQLite files in
 * a temp dir), exactly-once, one partition by default:
 *   stats    bench/stats.yaml, the per-user stats (target ≥ 200,000 events/s);
 *   context  bench/aggregate.yaml, the context window (target ≥ 50,000 events/s),
 *            then end-to-end latency at a fixed rate on the same, caught-up app.
 * Input is written first, then the app starts and is timed until its
 * committed offsets cover the input; then the last output per user is checked
 * against the fold of the input. The default pipeline with MiniLM is in
 * pipeline.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../common/logger.js';
import { createPipelineApp, type PipelineApp } from '../runtime/app.js';
import { ensureTopics } from '../runtime/topics.js';
import { loadPipeline } from '../topology/compile.js';
import type { Pipeline } from '../topology/model.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import type { Transport } from '../transports/types.js';
import { type GroupTiming, partitionsOf, produceRecords, readLastByKey, waitForGroup } from './common.js';
import { type LatencyResult, measureLatency } from './latency.js';
import { checkTarget, type TargetCheck, type TargetId } from './targets.js';
import { WORKLOADS, type Workload, type WorkloadInput, type WorkloadName } from './workloads.js';

export const logger = createLogger('bench', process.env.AURA_LOG_LEVEL ?? 'warn');

/**
 * A workload's app on `transport`, not started, with its topics created and `events` input events
 * over `users` in the input topic (the generated records let go once they are in the log).
 */
export async function appOnLoadedInput(
  w: Workload,
  pipeline: Pipeline,
  transport: Transport,
  stateDir: string,
  events: number,
  users: number,
): Promise<{ app: PipelineApp; input: Pipeline['topics'][string]; data: WorkloadInput }> {
  await transport.connect();
  const input = pipeline.topics[w.input]!;
  const app = createPipelineApp({ pipeline, transport, logger, stateDir, instanceId: 'bench', topics: 'create' });
  await ensureTopics(pipeline, transport.admin(), 'create', logger);
  const data = w.makeInput(events, users);
  await produceRecords(transport, input.name, input.partitions, data.records);
  data.records.length = 0; // the input is in the log now: let it go before the run
  return { app, input, data };
}

export interface ThroughputResult {
  name: string;
  events: number;
  users: number;
  timing: GroupTiming;
  eventsPerSecond: number;
  commits: number;
  recordsOut: number;
  latency?: LatencyResult;
  /** The end state checked against the input: empty = right. */
  problems?: string[];
  target?: { id: TargetId } & TargetCheck;
}

/** Throws when the engine stopped on an error (so that a wait does not last until its timeout). */
export function failureCheck(app: PipelineApp): () => void {
  return () => {
    if (app.engine.state === 'failed') throw new Error(`${app.engine.options.pipeline.app}: the engine failed (see the log above)`);
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-'));
}

export interface EmbeddedWorkloadOptions {
  events?: number;
  users?: number;
  partitions?: number;
  /** Latency phase after the throughput run (context window only; 0 = none). */
  rate?: number;
  seconds?: number;
}

export async function benchWorkloadEmbedded(name: WorkloadName, o: EmbeddedWorkloadOptions = {}): Promise<ThroughputResult> {
  const w = WORKLOADS[name];
  const events = o.events ?? w.defaults.events;
  const partitions = o.partitions ?? 1;
  const dir = tempDir();
  const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_BENCH_PARTITIONS: String(partitions), AURA_BENCH_PROCESSING: 'exactly_once' };
  const pipeline = loadPipeline(w.yaml, { env });
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  try {
    const { app, input, data } = await appOnLoadedInput(w, pipeline, transport, path.join(dir, 'state'), events, o.users ?? w.defaults.users);
    const output = pipeline.topics[w.output]!;
    const started = performance.now();
    await app.start();
    const check = failureCheck(app);
    const waited = await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, { check });
    // No "steady" figure on the embedded log: with a backlog the probe sees the offsets late
    // (the engine's loop yields only between batches); start-up is ~10 ms here anyway.
    const timing = { ...waited, steadySeconds: 0, steadyRecords: 0 };
    const m = app.engine.metrics;
    const eventsPerSecond = events / timing.wallSeconds;
    const targetId: TargetId = name === 'stats' ? 'embedded-stats' : 'embedded-context';
    const result: ThroughputResult = {
      name: `${w.label}, embedded, exactly_once, ${input.partitions} partition(s), commit every ${pipeline.defaults.commitIntervalMs} ms`,
      events,
      users: data.users,
      timing,
      eventsPerSecond,
      commits: m.commitTotal,
      recordsOut: m.recordsProducedTotal,
      target: { id: targetId, ...checkTarget(targetId, eventsPerSecond, events) },
    };
    if (name === 'context' && (o.seconds ?? 0) > 0) {
      result.latency = await measureLatency({
        transport,
        input,
        output,
        rate: o.rate ?? 2000,
        seconds: o.seconds!,
        users: o.users ?? w.defaults.users,
        seed: 7,
        check,
      });
    }
    await app.stop();
    // After the latency phase the last outputs include its events: check only without it.
    if (!result.latency) result.problems = data.check(await readLastByKey(transport, output.name, output.partitions));
    return result;
  } finally {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
