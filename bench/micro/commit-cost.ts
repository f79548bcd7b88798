/**
 * What committing when the input is drained costs, in CPU time rather than
 * wall time (figures a shared, loaded machine cannot give honestly): the
 * context window (bench/aggregate.yaml) on the embedded log, exactly-once, one
 * partition, once per minimum gap. Per variant: a backlog phase (the input
 * written first: commits follow commit_interval, the drained rule rarely
 * applies) and a fixed-rate phase (records arrive one by one: the drained rule
 * decides), each as CPU ms per 1,000 events, commits, and for the fixed rate
 * the latency to a read_committed reader.
 *
 *   node --import tsx bench/micro/commit-cost.ts [--events 40000] [--rate 1000] [--seconds 5] [--gaps 5,20,100] [--rounds 2]
 *
 * A gap of commit_interval (100 ms) commits about as often as the engine did before it
 * committed on drained input. docs/benchmarks.md, "Commit when it pays", has the figures.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPipelineApp } from '../../runtime/app.js';
import { ensureTopics } from '../../runtime/topics.js';
import { loadPipeline } from '../../topology/compile.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import { partitionsOf, produceRecords, waitForGroup } from '../common.js';
import { failureCheck, logger, tempDir } from '../embedded.js';
import { measureLatency } from '../latency.js';
import { WORKLOADS } from '../workloads.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '40000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    gaps: { type: 'string', default: '5,20,100' },
    rounds: { type: 'string', default: '2' },
  },
});

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function variant(gap: number) {
  const w = WORKLOADS.context;
  const dir = tempDir();
  const env = { ...process.env, AURA_STATE_DIR: path.join(dir, 'state'), AURA_BENCH_PARTITIONS: '1', AURA_BENCH_PROCESSING: 'exactly_once' };
  const pipeline = loadPipeline(w.yaml, { env });
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  try {
    const input = pipeline.topics[w.input]!;
    const output = pipeline.topics[w.output]!;
    await ensureTopics(pipeline, transport.admin(), 'create', logger);
    const events = Number(args.events);
    const data = w.makeInput(events, w.defaults.users);
    await produceRecords(transport, input.name, input.partitions, data.records);
    const app = createPipelineApp({ pipeline, transport, logger, stateDir: path.join(dir, 'state'), instanceId: 'bench', topics: 'create', commitMinGapMs: gap });
    const m = app.engine.metrics;
    const started = performance.now();
    const cpu0 = cpuMs();
    await app.start();
    await waitForGroup(transport, pipeline.app, partitionsOf(input.name, input.partitions), events, started, { check: failureCheck(app) });
    const backlog = { cpuPer1000: ((cpuMs() - cpu0) / events) * 1000, commits: m.commitTotal };
    const commits0 = m.commitTotal;
    const cpu1 = cpuMs();
    const latency = await measureLatency({ transport, input, output, rate: Number(args.rate), seconds: Number(args.seconds), users: w.defaults.users, seed: 7, check: failureCheck(app) });
    const rate = { cpuPer1000: ((cpuMs() - cpu1) / latency.sent) * 1000, commits: m.commitTotal - commits0, p50: latency.p50, p99: latency.p99 };
    await app.stop();
    return { backlog, rate };
  } finally {
    await transport.close();
  }
}

const gaps = args.gaps.split(',').map(Number);
process.stdout.write(`# context window, embedded, exactly-once, 1 partition; backlog ${args.events} events, then ${args.rate} events/s for ${args.seconds} s; CPU of this process (engine, producer, reader)\n`);
process.stdout.write('# gap ms | backlog: CPU ms/1000 ev, commits | fixed rate: CPU ms/1000 ev, commits, latency p50/p99 ms\n');
for (let round = 0; round < Number(args.rounds); round++) {
  for (const gap of gaps) {
    const r = await variant(gap);
    process.stdout.write(
      `${String(gap).padStart(6)} | ${r.backlog.cpuPer1000.toFixed(1).padStart(6)} ${String(r.backlog.commits).padStart(5)} | ${r.rate.cpuPer1000.toFixed(1).padStart(6)} ${String(r.rate.commits).padStart(5)}  ${r.rate.p50.toFixed(0)}/${r.rate.p99.toFixed(0)}\n`,
    );
  }
}
