/**
 * CPU time per event of one aggregation workload — the measure to compare
 * code on a busy machine, where wall-clock rates swing with the other
 * processes (CPU time swings much less). Same setup as `npm run bench --
 * --only stats|context` (input written first, exactly-once, commit every
 * 100 ms), but it prints the process's CPU seconds from start() until the
 * input is committed, per event, and the commits and outputs.
 *
 *   node --import tsx bench/cpu-per-event.ts stats|context [events] [users]
 *   AURA_BENCH_EMIT=on_update node --import tsx bench/cpu-per-event.ts context
 *
 * With KAFKA_BROKERS set it runs on that broker instead of the embedded log,
 * as `npm run bench -- --kafka` runs ours (6 partitions, AURA_BENCH_PARTITIONS
 * overrides); the process's CPU then includes librdkafka's threads. Add
 * `node --cpu-prof` to see the engine thread's share of it.
 *
 * Events per commit still follow the wall clock (a slower run commits more
 * often per event, which costs more CPU per event): compare runs that took
 * about as long, or alternate the two versions and take several rounds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { createKafkaTransport, kafkaConfigFromEnv } from '../transports/kafka/index.js';
import { fmt, partitionsOf, readLastByKey, waitForGroup } from './common.js';
import { appOnLoadedInput, tempDir } from './embedded.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

const name = (process.argv[2] ?? 'context') as WorkloadName;
const w = WORKLOADS[name];
if (!w) throw new Error(`unknown workload "${name}" (stats or context)`);
const events = Number(process.argv[3] ?? w.defaults.events);
const users = Number(process.argv[4] ?? w.defaults.users);
const kafka = Boolean(process.env.KAFKA_BROKERS?.trim());
const partitions = process.env.AURA_BENCH_PARTITIONS ?? (kafka ? '6' : '1');

const dir = tempDir();
const run = `cpu-${Date.now().toString(36)}`;
const env = {
  ...process.env,
  AURA_STATE_DIR: path.join(dir, 'state'),
  AURA_BENCH_PARTITIONS: partitions,
  AURA_BENCH_PROCESSING: 'exactly_once',
  // A fresh app id and topics on a shared broker.
  ...(kafka ? { AURA_BENCH_APP: `${run}-${name}`, AURA_BENCH_INPUT: `${run}.${name}.input`, AURA_BENCH_OUTPUT: `${run}.${name}.out` } : {}),
};
const pipeline = loadPipeline(w.yaml, { env });
// AURA_BENCH_TAIL_BYTES: the embedded log's in-memory tail (transports/embedded/log-tail.ts), to compare.
const tailBytes = process.env.AURA_BENCH_TAIL_BYTES === undefined ? undefined : Number(process.env.AURA_BENCH_TAIL_BYTES);
const transport = kafka ? createKafkaTransport(kafkaConfigFromEnv()) : createEmbeddedTransport({ path: path.join(dir, 'log.db'), tailBytes });
try {
  const { app, input, data } = await appOnLoadedInput(w, pipeline, transport, path.join(dir, 'state'), events, users);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await app.start();
  await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, {});
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - started) / 1000;
  const m = app.engine.metrics;
  await app.stop();
  const problems = data.check(await readLastByKey(transport, pipeline.topics[w.output]!.name, input.partitions));
  const seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${w.label}${kafka ? ` on Kafka (${input.partitions} partitions)` : ''}, emit ${process.env.AURA_BENCH_EMIT ?? 'on_commit'}: ${fmt(events)} events, ${fmt(users)} users: ${((seconds * 1e6) / events).toFixed(2)} µs CPU per event ` +
      `(${seconds.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall = ${fmt(events / wall)} events/s, ${fmt(m.commitTotal)} commits, ${fmt(m.recordsProducedTotal)} records out)` +
      `${problems.length === 0 ? '; end state verified' : `; END STATE WRONG: ${problems.slice(0, 3).join('; ')}`}\n`,
  );
  if (problems.length > 0) process.exitCode = 1;
} finally {
  if (kafka) {
    const names = Object.values(pipeline.topics).map((t) => t.name);
    await transport
      .admin()
      .deleteTopics(names)
      .catch(() => undefined);
  }
  await transport.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
