/**
 * `npm run bench -- --kafka --matrix`: the per-user context window through a real
 * broker. Every app gets its own input topic with the same contents (same
 * events, same partitions, written just before it starts; its latency phase
 * appends to it) and its own consumer group and output topic:
 *   ours exactly_once, ours at_least_once (bench/aggregate.yaml, in this process),
 *   Kafka Streams exactly_once_v2 and at_least_once (bench/kafka-streams, child JVM),
 *     each with the default record cache (10 MB) and with the cache off.
 * Each is timed from the outside by its group's committed offsets, then kept
 * running for the fixed-rate latency phase. Ratios ours / Kafka Streams last.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp } from '../../runtime/app.js';
import { loadPipeline } from '../../topology/compile.js';
import { createKafkaTransport, kafkaConfigFromEnv } from '../../transports/kafka/index.js';
import type { Transport } from '../../transports/types.js';
import { benchEvents, fmt, type GroupTiming, partitionsOf, produceEvents, sleep, waitForGroup } from '../common.js';
import { failureCheck } from '../embedded.js';
import { type LatencyResult, measureLatency } from '../latency.js';
import { ensureBroker } from './broker.js';
import { buildStreamsApp, type Guarantee, StreamsApp } from './streams-app.js';

export interface KafkaBenchOptions {
  events: number;
  users: number;
  partitions: number;
  rate: number;
  seconds: number;
  ours: boolean;
  ks: boolean;
  ksCaches: number[];
}

interface KafkaResult {
  name: string;
  engine: 'ours' | 'kafka-streams';
  processing: string;
  /** Input records of the throughput phase. */
  events: number;
  timing: GroupTiming;
  latency?: LatencyResult;
}

type Print = (line: string, data?: unknown) => void;

/** Each latency phase sends its own event ids (distinct from the throughput input's). */
let latencySeed = 1000;
const AGGREGATE_YAML = path.resolve(import.meta.dirname, '../aggregate.yaml');
const logger = createLogger('bench', process.env.AURA_LOG_LEVEL ?? 'warn');

export async function runKafkaBenches(o: KafkaBenchOptions, print: Print): Promise<void> {
  const broker = ensureBroker(print);
  process.env.KAFKA_BROKERS = broker.brokers;
  const transport = createKafkaTransport(kafkaConfigFromEnv());
  const run = `bench-${Date.now().toString(36)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-kafka-'));
  // Kafka Streams warns about state under the OS temp dir (tmp cleaners): keep it in its build dir.
  const ksStateRoot = path.resolve(import.meta.dirname, `../kafka-streams/target/state-${run}`);
  const created: string[] = [];
  const results: KafkaResult[] = [];
  try {
    await transport.connect();
    print(`# broker ${broker.brokers} (${broker.origin}); run id ${run}; ${o.partitions} partition(s), ${fmt(o.events)} events, ${fmt(o.users)} users`);
    const events = benchEvents(o.events, o.users);
    const inputFor = async (tag: string): Promise<{ name: string; partitions: number }> => {
      const input = { name: `${run}.${tag}.user.events`, partitions: o.partitions };
      await createTopic(transport, input.name, o.partitions, created);
      await produceEvents(transport, input.name, o.partitions, events);
      return input;
    };
    const report = (r: KafkaResult): void => {
      results.push(r);
      print(describe(r), r);
    };

    if (o.ours) {
      for (const processing of ['exactly_once', 'at_least_once'] as const) {
        report(await benchOurs(transport, o, run, await inputFor(`ours-${processing}`), processing, path.join(dir, `state-${processing}`), created));
      }
    }
    if (o.ks) {
      const classpath = buildStreamsApp(print);
      for (const guarantee of ['exactly_once_v2', 'at_least_once'] as const) {
        for (const cache of o.ksCaches) {
          report(
            await benchStreams(
              transport,
              o,
              run,
              await inputFor(`ks-${guarantee}-${cache}`),
              guarantee,
              cache,
              classpath,
              path.join(ksStateRoot, `${guarantee}-${cache}`),
              created,
            ),
          );
        }
      }
    }
    printRatios(results, print);
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
    broker.stop();
  }
}

async function createTopic(transport: Transport, name: string, partitions: number, created: string[]): Promise<void> {
  await transport.admin().createTopics([{ name, partitions, replication: 1, config: {} }]);
  created.push(name);
}

async function benchOurs(
  transport: Transport,
  o: KafkaBenchOptions,
  run: string,
  input: { name: string; partitions: number },
  processing: 'exactly_once' | 'at_least_once',
  stateDir: string,
  created: string[],
): Promise<KafkaResult> {
  const tag = processing === 'exactly_once' ? 'eos' : 'alos';
  const env = {
    ...process.env,
    AURA_BENCH_APP: `${run}-ours-${tag}`,
    AURA_BENCH_INPUT: input.name,
    AURA_BENCH_OUTPUT: `${run}.ours-${tag}.context`,
    AURA_BENCH_PROCESSING: processing,
    AURA_BENCH_PARTITIONS: String(o.partitions),
    AURA_STATE_DIR: stateDir,
  };
  const pipeline = loadPipeline(AGGREGATE_YAML, { env });
  for (const t of Object.values(pipeline.topics)) if (t.name !== input.name) created.push(t.name);
  const app = createPipelineApp({ pipeline, transport, logger, stateDir, instanceId: 'bench', topics: 'create' });
  const total = o.events;
  const started = performance.now();
  await app.start();
  const check = failureCheck(app);
  try {
    const timing = await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), total, started, { check });
    const latency =
      o.seconds > 0
        ? await measureLatency({
            transport,
            input,
            output: { name: env.AURA_BENCH_OUTPUT, partitions: o.partitions },
            rate: o.rate,
            seconds: o.seconds,
            users: o.users,
            seed: latencySeed++,
            check,
          })
        : undefined;
    return { name: `ours, ${processing}, commit every ${pipeline.defaults.commitIntervalMs} ms`, engine: 'ours', processing, events: total, timing, latency };
  } finally {
    await app.stop();
  }
}

async function benchStreams(
  transport: Transport,
  o: KafkaBenchOptions,
  run: string,
  input: { name: string; partitions: number },
  guarantee: Guarantee,
  cacheBytes: number,
  classpath: string,
  stateDir: string,
  created: string[],
): Promise<KafkaResult> {
  const tag = `${guarantee === 'exactly_once_v2' ? 'eos' : 'alos'}-cache${cacheBytes}`;
  const applicationId = `${run}-ks-${tag}`;
  const output = `${run}.ks-${tag}.context`;
  await createTopic(transport, output, o.partitions, created);
  created.push(`${applicationId}-user-context-changelog`);
  const total = o.events;
  const started = performance.now();
  const app = new StreamsApp({ classpath, brokers: process.env.KAFKA_BROKERS!, input: input.name, output, applicationId, stateDir, guarantee, cacheBytes });
  const check = (): void => app.check();
  try {
    const timing = await waitForGroup(transport, applicationId, partitionsOf(input.name, input.partitions), total, started, { check });
    while (app.state !== 'RUNNING') {
      check();
      await sleep(50);
    }
    const latency =
      o.seconds > 0
        ? await measureLatency({
            transport,
            input,
            output: { name: output, partitions: o.partitions },
            rate: o.rate,
            seconds: o.seconds,
            users: o.users,
            seed: latencySeed++,
            check,
          })
        : undefined;
    const cache = cacheBytes > 0 ? `cache ${fmt(cacheBytes / 1_048_576)} MB` : 'cache off';
    return {
      name: `Kafka Streams 4.4.0, ${guarantee}, ${cache}`,
      engine: 'kafka-streams',
      processing: guarantee === 'exactly_once_v2' ? 'exactly_once' : 'at_least_once',
      events: total,
      timing,
      latency,
    };
  } finally {
    await app.stop();
  }
}

function describe(r: KafkaResult): string {
  const t = r.timing;
  let line = `${r.name}: ${fmt(r.events)} events in ${t.wallSeconds.toFixed(2)} s from start = ${fmt(r.events / t.wallSeconds)} events/s; steady ${fmt(t.steadyRecords / t.steadySeconds)} events/s after the first commit`;
  if (r.latency) {
    const l = r.latency;
    line += `\n    latency at ${fmt(l.rate)} events/s: p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms (${fmt(l.received)} outputs for ${fmt(l.sent)} inputs)`;
  }
  return line;
}

function printRatios(results: KafkaResult[], print: Print): void {
  const steady = (r: KafkaResult): number => r.timing.steadyRecords / r.timing.steadySeconds;
  for (const ours of results.filter((r) => r.engine === 'ours')) {
    for (const ks of results.filter((r) => r.engine === 'kafka-streams' && r.processing === ours.processing)) {
      let line = `ratio ${ours.name} / ${ks.name}: throughput ${(steady(ours) / steady(ks)).toFixed(2)} (steady), ${(ks.timing.wallSeconds / ours.timing.wallSeconds).toFixed(2)} (from start)`;
      if (ours.latency && ks.latency)
        line += `; latency p50 ${(ours.latency.p50 / ks.latency.p50).toFixed(2)}, p99 ${(ours.latency.p99 / ks.latency.p99).toFixed(2)}`;
      print(line);
    }
  }
}
