/**
 * The per-user stats workload on a broker (as bench/cpu-per-event.ts runs it: input written first,
 * 6 partitions, exactly-once, commit every 100 ms), with the CPU of the engine thread alone beside
 * the process's: moving work off the engine thread (the consumer's read-ahead, docs/benchmarks.md
 * "Kafka consumer read-ahead") shows in the first, while the second also counts librdkafka's and
 * libuv's threads. Linux only (/proc/self/task/<pid>/stat).
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --import tsx bench/kafka/engine-thread-cpu.ts [events] [users]
 *   AURA_KAFKA_READ_AHEAD=1 ...     the same with the read-ahead (off by default)
 */

import fs from 'node:fs';
import path from 'node:path';
import { cleanUpRun } from '../../testing/support/run-cleanup.js';
import { loadPipeline } from '../../topology/compile.js';
import { createKafkaTransport, kafkaConfigFromEnv } from '../../transports/kafka/index.js';
import { fmt, partitionsOf, readLastByKey, waitForGroup } from '../common.js';
import { appOnLoadedInput, tempDir } from '../embedded.js';
import { WORKLOADS } from '../workloads.js';

/** CPU seconds (user + system) of the main thread: fields 14 and 15 of its stat, in clock ticks (100 Hz). */
function mainThreadCpu(): number {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const w = WORKLOADS.stats;
const events = Number(process.argv[2] ?? 300_000);
const users = Number(process.argv[3] ?? 10_000);
const dir = tempDir();
const run = `etc-${Date.now().toString(36)}`;
const env = {
  ...process.env,
  AURA_STATE_DIR: path.join(dir, 'state'),
  AURA_BENCH_PARTITIONS: process.env.AURA_BENCH_PARTITIONS ?? '6',
  AURA_BENCH_PROCESSING: 'exactly_once',
  AURA_BENCH_APP: `${run}-stats`,
  AURA_BENCH_INPUT: `${run}.stats.input`,
  AURA_BENCH_OUTPUT: `${run}.stats.out`,
};
const pipeline = loadPipeline(w.yaml, { env });
const transport = createKafkaTransport(kafkaConfigFromEnv());
try {
  const { app, input, data } = await appOnLoadedInput(w, pipeline, transport, path.join(dir, 'state'), events, users);
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpu();
  const started = performance.now();
  await app.start();
  await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, {});
  const cpu = process.cpuUsage(cpu0);
  const main = mainThreadCpu() - main0;
  const wall = (performance.now() - started) / 1000;
  const m = app.engine.metrics;
  await app.stop();
  const problems = data.check(await readLastByKey(transport, pipeline.topics[w.output]!.name, input.partitions));
  const seconds = (cpu.user + cpu.system) / 1e6;
  const us = (s: number) => ((s * 1e6) / events).toFixed(2);
  process.stdout.write(
    `read-ahead ${process.env.AURA_KAFKA_READ_AHEAD === '1' ? 'on' : 'off'}: ${fmt(events)} events: engine thread ${us(main)} µs CPU per event, process ${us(seconds)} µs; ` +
      `${wall.toFixed(2)} s wall = ${fmt(events / wall)} events/s, ${fmt(m.commitTotal)} commits, ${fmt(m.pollTotal)} polls, ${fmt(m.recordsProducedTotal)} outputs` +
      `${problems.length === 0 ? '; end state verified' : `; END STATE WRONG: ${problems.slice(0, 3).join('; ')}`}\n`,
  );
  if (problems.length > 0) process.exitCode = 1;
} finally {
  await cleanUpRun(
    transport,
    Object.values(pipeline.topics).map((t) => t.name),
    dir,
  );
}
