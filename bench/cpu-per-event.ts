/**
 * CPU time per event of one aggregation workload on the embedded log — the
 * measure to compare code on a busy machine, where wall-clock rates swing with
 * the other processes (CPU time swings much less). Same setup as `npm run bench
 * -- --only stats|context` (input written first, exactly-once, one partition,
 * commit every 100 ms), but it prints the process's CPU seconds from start()
 * until the input is committed, per event, and the commits and outputs.
 *
 *   node --import tsx bench/cpu-per-event.ts stats|context [events] [users]
 *   AURA_BENCH_EMIT=on_update node --import tsx bench/cpu-per-event.ts context
 *
 * Events per commit still follow the wall clock (a slower run commits more
 * often per event, which costs more CPU per event): compare runs that took
 * about as long, or alternate the two versions and take several rounds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createPipelineApp } from '../runtime/app.js';
import { ensureTopics } from '../runtime/topics.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { fmt, partitionsOf, produceRecords, readLastByKey, waitForGroup } from './common.js';
import { logger, tempDir } from './embedded.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

const name = (process.argv[2] ?? 'context') as WorkloadName;
const w = WORKLOADS[name];
if (!w) throw new Error(`unknown workload "${name}" (stats or context)`);
const events = Number(process.argv[3] ?? w.defaults.events);
const users = Number(process.argv[4] ?? w.defaults.users);

const dir = tempDir();
const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_BENCH_PARTITIONS: '1', AURA_BENCH_PROCESSING: 'exactly_once' };
const pipeline = loadPipeline(w.yaml, { env });
// AURA_BENCH_TAIL_BYTES: the embedded log's in-memory tail (transports/embedded/log-tail.ts), to compare.
const tailBytes = process.env.AURA_BENCH_TAIL_BYTES === undefined ? undefined : Number(process.env.AURA_BENCH_TAIL_BYTES);
const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), tailBytes });
try {
  await transport.connect();
  const input = pipeline.topics[w.input]!;
  const app = createPipelineApp({ pipeline, transport, logger, stateDir: path.join(dir, 'state'), instanceId: 'bench', topics: 'create' });
  await ensureTopics(pipeline, transport.admin(), 'create', logger);
  const data = w.makeInput(events, users);
  await produceRecords(transport, input.name, input.partitions, data.records);
  data.records.length = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await app.start();
  await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, {});
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - started) / 1000;
  const m = app.engine.metrics;
  await app.stop();
  const problems = data.check(await readLastByKey(transport, pipeline.topics[w.output]!.name, 1));
  const seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${w.label}, emit ${process.env.AURA_BENCH_EMIT ?? 'on_commit'}: ${fmt(events)} events, ${fmt(users)} users: ${((seconds * 1e6) / events).toFixed(2)} µs CPU per event ` +
      `(${seconds.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall, ${fmt(m.commitTotal)} commits, ${fmt(m.recordsProducedTotal)} records out)` +
      `${problems.length === 0 ? '; end state verified' : `; END STATE WRONG: ${problems.slice(0, 3).join('; ')}`}\n`,
  );
  if (problems.length > 0) process.exitCode = 1;
} finally {
  await transport.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
