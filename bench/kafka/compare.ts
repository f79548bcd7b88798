/**
 * `npm run bench -- --kafka`: each workload (per-user stats, context window)
 * through one real broker, ours against a Kafka Streams app doing the same
 * aggregation with Kafka Streams' defaults (one thread, exactly_once_v2, 10 MB
 * record cache, commit every 100 ms), alternating ours, KS, ours, KS, … for
 * `rounds` rounds. The input is written once per workload; every run has its
 * own application id, consumer group, output and changelog topics, and is
 * timed from the outside from start until its group's committed offsets cover
 * the input ("from start to the last committed output": under exactly-once an
 * offset commits with the outputs before it). Each run's last output per user
 * is then checked against the fold of the input. Printed: every run, the
 * ratio ours / KS per round, and their median against the target.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPipelineApp } from '../../runtime/app.js';
import { StreamThreads } from '../../runtime/stream-threads.js';
import { ensureTopics } from '../../runtime/topics.js';
import { loadPipeline } from '../../topology/compile.js';
import type { Pipeline } from '../../topology/model.js';
import { createKafkaTransport, kafkaConfigFromEnv } from '../../transports/kafka/index.js';
import type { Transport } from '../../transports/types.js';
import { fmt, type GroupTiming, partitionsOf, produceRecords, readLastByKey, waitForGroup } from '../common.js';
import { failureCheck, logger } from '../embedded.js';
import { checkTarget, describeTarget, type TargetCheck, type TargetId } from '../targets.js';
import { WORKLOADS, type WorkloadInput, type WorkloadName } from '../workloads.js';
import type { BenchBroker } from './broker.js';
import { buildStreamsApp, StreamsApp } from './streams-app.js';

/** Kafka Streams' default record cache (statestore.cache.max.bytes). */
const KS_DEFAULT_CACHE = 10_485_760;

export interface CompareOptions {
  workloads: WorkloadName[];
  /** Override the workloads' default sizes (smoke tests). */
  events?: number;
  users?: number;
  partitions: number;
  rounds: number;
  /** Read every run's output back and check the end state (default true). */
  verify: boolean;
  /** Our stream threads (`aura run --threads`, runtime/stream-threads.ts); 1 runs the engine in this process. */
  threads: number;
}

export interface RunResult {
  workload: WorkloadName;
  engine: 'ours' | 'kafka-streams';
  round: number;
  events: number;
  timing: GroupTiming;
  eventsPerSecond: number;
  problems?: string[];
}

export interface ComparisonResult {
  workload: WorkloadName;
  ratios: number[];
  medianRatio: number;
  target: { id: TargetId } & TargetCheck;
  /** End-state problems of any run (empty: all verified, or verification off). */
  problems: string[];
}

type Print = (line: string, data?: unknown) => void;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** On `broker` (see broker.ts), which the caller stops. */
export async function runKafkaComparison(o: CompareOptions, broker: BenchBroker, print: Print): Promise<ComparisonResult[]> {
  const transport = createKafkaTransport({ ...kafkaConfigFromEnv(), brokers: broker.brokers });
  const run = `bench-${Date.now().toString(36)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-kafka-'));
  // Kafka Streams warns about state under the OS temp dir (tmp cleaners): keep it in its build dir.
  const ksStateRoot = path.resolve(import.meta.dirname, `../kafka-streams/target/state-${run}`);
  const created: string[] = [];
  const out: ComparisonResult[] = [];
  try {
    await transport.connect();
    const classpath = buildStreamsApp(print);
    for (const name of o.workloads) {
      const w = WORKLOADS[name];
      const events = o.events ?? w.defaults.events;
      const input = { name: `${run}.${name}.input`, partitions: o.partitions };
      const data = w.makeInput(events, o.users ?? w.defaults.users);
      await transport.admin().createTopics([{ name: input.name, partitions: o.partitions, replication: 1, config: {} }]);
      created.push(input.name);
      await produceRecords(transport, input.name, o.partitions, data.records);
      data.records.length = 0; // in the log now
      print(
        `# ${w.label}: ${fmt(events)} events over ${fmt(data.users)} users in ${input.name} (${o.partitions} partitions); broker ${broker.brokers} (${broker.origin})`,
      );
      const ratios: number[] = [];
      const problems: string[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        const ours = await runOurs(transport, name, round, run, input, events, data, o, path.join(dir, `${name}-${round}`), created);
        const ks = await runStreams(transport, name, round, run, input, events, data, o, classpath, path.join(ksStateRoot, `${name}-${round}`), created);
        for (const r of [ours, ks]) {
          print(describeRun(r, o.threads), r);
          for (const p of r.problems ?? []) problems.push(`${r.engine} round ${round}: ${p}`);
        }
        ratios.push(ours.eventsPerSecond / ks.eventsPerSecond);
        print(`  round ${round}: ours / Kafka Streams = ${ratios.at(-1)!.toFixed(2)}`);
      }
      const id: TargetId = name === 'stats' ? 'kafka-stats' : 'kafka-context';
      const m = median(ratios);
      const result: ComparisonResult = { workload: name, ratios, medianRatio: m, target: { id, ...checkTarget(id, m, events) }, problems };
      out.push(result);
      print(
        `${w.label} on Kafka: median ratio ours / Kafka Streams ${m.toFixed(2)} over ${o.rounds} rounds (${ratios.map((r) => r.toFixed(2)).join(', ')}); ${describeTarget(id, result.target)}`,
        result,
      );
    }
    return out;
  } finally {
    // Our own broker is wiped on its next start; on someone else's, leave nothing behind.
    if (process.env.AURA_BENCH_KEEP_TOPICS !== '1' && broker.origin.startsWith('KAFKA_BROKERS')) {
      await transport
        .admin()
        .deleteTopics(created)
        .catch(() => undefined);
    }
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(ksStateRoot, { recursive: true, force: true });
  }
}

type Input = { name: string; partitions: number };

async function runOurs(
  transport: Transport,
  name: WorkloadName,
  round: number,
  run: string,
  input: Input,
  events: number,
  data: WorkloadInput,
  o: CompareOptions,
  stateDir: string,
  created: string[],
): Promise<RunResult> {
  const w = WORKLOADS[name];
  const env = {
    ...process.env,
    AURA_BENCH_APP: `${run}-${name}-ours-${round}`,
    AURA_BENCH_INPUT: input.name,
    AURA_BENCH_OUTPUT: `${run}.${name}.ours-${round}.out`,
    AURA_BENCH_PROCESSING: 'exactly_once',
    AURA_BENCH_PARTITIONS: String(o.partitions),
    AURA_STATE_DIR: stateDir,
  };
  const pipeline = loadPipeline(w.yaml, { env });
  for (const t of Object.values(pipeline.topics)) if (t.name !== input.name) created.push(t.name);
  const started = performance.now();
  const running = await startOurs(transport, pipeline, env, stateDir, o.threads);
  let timing: GroupTiming;
  try {
    timing = await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, { check: running.check });
  } finally {
    await running.stop();
  }
  const problems = o.verify ? data.check(await readLastByKey(transport, env.AURA_BENCH_OUTPUT, o.partitions)) : undefined;
  return { workload: name, engine: 'ours', round, events, timing, eventsPerSecond: events / timing.wallSeconds, problems };
}

/** Our engine as `aura run` runs it: in this process, or in `threads` stream threads. */
async function startOurs(
  transport: Transport,
  pipeline: Pipeline,
  env: NodeJS.ProcessEnv,
  stateDir: string,
  threads: number,
): Promise<{ check(): void; stop(): Promise<void> }> {
  const app = createPipelineApp({
    pipeline,
    transport,
    logger: threads > 1 ? logger.child({ thread: 1 }) : logger,
    stateDir,
    instanceId: 'bench',
    topics: 'create',
  });
  if (threads === 1) {
    await app.start();
    return { check: failureCheck(app), stop: () => app.stop() };
  }
  // As `aura run --threads N` does: topics once, thread 1 in this process, the others child processes.
  await ensureTopics(pipeline, transport.admin(), 'create', logger);
  const st = new StreamThreads({ threads, pipeline, env, stateDir, instanceId: 'bench', logger, logLevel: process.env.AURA_LOG_LEVEL ?? 'warn', local: app });
  await st.start();
  return {
    check: () => {
      if (st.failure) throw st.failure;
    },
    stop: () => st.stop(),
  };
}

async function runStreams(
  transport: Transport,
  name: WorkloadName,
  round: number,
  run: string,
  input: Input,
  events: number,
  data: WorkloadInput,
  o: CompareOptions,
  classpath: string,
  stateDir: string,
  created: string[],
): Promise<RunResult> {
  const applicationId = `${run}-${name}-ks-${round}`;
  const output = `${run}.${name}.ks-${round}.out`;
  await transport.admin().createTopics([{ name: output, partitions: o.partitions, replication: 1, config: {} }]);
  created.push(output, `${applicationId}-${name === 'stats' ? 'user-stats' : 'user-context'}-changelog`);
  const started = performance.now();
  const app = new StreamsApp({
    classpath,
    brokers: process.env.KAFKA_BROKERS!,
    input: input.name,
    output,
    applicationId,
    stateDir,
    guarantee: 'exactly_once_v2',
    cacheBytes: KS_DEFAULT_CACHE,
    mainClass: WORKLOADS[name].ksMain,
  });
  let timing: GroupTiming;
  try {
    timing = await waitForGroup(transport, applicationId, partitionsOf(input.name, input.partitions), events, started, { check: () => app.check() });
  } finally {
    await app.stop();
  }
  const problems = o.verify ? data.check(await readLastByKey(transport, output, o.partitions)) : undefined;
  return { workload: name, engine: 'kafka-streams', round, events, timing, eventsPerSecond: events / timing.wallSeconds, problems };
}

function describeRun(r: RunResult, threads: number): string {
  const who =
    r.engine === 'ours'
      ? `ours (exactly_once, commit 100 ms, ${threads} stream thread${threads > 1 ? 's' : ''})`
      : 'Kafka Streams 4.4.0 (defaults: exactly_once_v2, cache 10 MB, commit 100 ms, 1 thread)';
  const t = r.timing;
  const steady = t.steadySeconds > 0 ? `; steady ${fmt(t.steadyRecords / t.steadySeconds)} events/s after the first commit` : '';
  const check = r.problems === undefined ? '' : r.problems.length === 0 ? '; end state verified' : `; END STATE WRONG: ${r.problems.join('; ')}`;
  return `  round ${r.round} ${who}: ${fmt(r.events)} events in ${t.wallSeconds.toFixed(2)} s from start = ${fmt(r.eventsPerSecond)} events/s${steady}${check}`;
}
