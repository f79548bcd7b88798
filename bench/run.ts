/**
 * `npm run bench`: the engine's numbers (docs/benchmarks.md says what each means).
 *
 *   npm run bench                      embedded log: (a) aggregate alone + latency, (b) pipeline.yaml with MiniLM, (b') with hashing
 *   npm run bench -- --kafka           real broker: our engine (exactly-once, at-least-once) and Kafka Streams, same input
 *
 * Options: --events N (a / Kafka runs), --events-b N (b), --events-b2 N (b'), --users N,
 * --partitions N, --rate N --seconds N (latency phase; --seconds 0 skips it), --commit-interval D
 * (bench/aggregate.yaml, default 100ms, the Kafka Streams exactly-once default),
 * --only a,b,b2 (embedded) or ours,ks (Kafka), --ks-cache BYTES[,BYTES] (Kafka Streams
 * record cache sizes to run, default 10485760,0), --json FILE (results as JSON).
 * Check `cat /proc/loadavg` first: on a busy machine the numbers are meaningless.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fmt } from './common.js';
import { benchAggregateEmbedded, benchPipelineEmbedded, type ThroughputResult } from './embedded.js';

const { values: args } = parseArgs({
  options: {
    kafka: { type: 'boolean', default: false },
    events: { type: 'string', default: '200000' },
    'events-b': { type: 'string', default: '2000' },
    'events-b2': { type: 'string', default: '20000' },
    users: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '1' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    only: { type: 'string' },
    'ks-cache': { type: 'string', default: '10485760,0' },
    json: { type: 'string' },
    'commit-interval': { type: 'string', default: '100ms' },
  },
});

const only = new Set((args.only ?? '').split(',').filter(Boolean));
const wanted = (name: string): boolean => only.size === 0 || only.has(name);
const num = (s: string | undefined): number => Number(s);

function describeResult(r: ThroughputResult): string {
  const t = r.timing;
  const steady = t.steadySeconds > 0 && t.steadyRecords > 0 ? `; steady ${fmt(t.steadyRecords / t.steadySeconds)} events/s after the first commit` : '';
  let line = `${r.name}: ${fmt(r.events)} events, ${fmt(r.users)} users in ${t.wallSeconds.toFixed(2)} s = ${fmt(r.eventsPerSecond)} events/s${steady} (${fmt(r.commits)} commits, ${fmt(r.recordsOut)} records out)`;
  if (r.latency) {
    const l = r.latency;
    line += `\n    latency at ${fmt(l.rate)} events/s: p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms (${fmt(l.received)} outputs for ${fmt(l.sent)} inputs)`;
  }
  return line;
}

const load = os.loadavg();
process.stdout.write(`# ${new Date().toISOString()}  ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), loadavg ${load.map((x) => x.toFixed(2)).join(' ')}, node ${process.version}\n`);
if (load[0]! > 1.5) process.stdout.write(`# warning: 1-minute load ${load[0]!.toFixed(2)}: other processes compete for the CPU, numbers will be low\n`);

const results: unknown[] = [];
const report = (r: ThroughputResult): void => {
  results.push(r);
  process.stdout.write(`${describeResult(r)}\n`);
};

// bench/aggregate.yaml reads it (every run of ours, embedded or Kafka; Kafka Streams gets 100 ms).
process.env.AURA_BENCH_COMMIT_INTERVAL = args['commit-interval'];

if (args.kafka) {
  const { runKafkaBenches } = await import('./kafka/suite.js');
  await runKafkaBenches(
    {
      events: num(args.events),
      users: num(args.users),
      partitions: num(args.partitions),
      rate: num(args.rate),
      seconds: num(args.seconds),
      ours: wanted('ours'),
      ks: wanted('ks'),
      ksCaches: args['ks-cache']!.split(',').map(Number),
    },
    (line, data) => {
      if (data !== undefined) results.push(data);
      process.stdout.write(`${line}\n`);
    },
  );
} else {
  if (wanted('a')) report(await benchAggregateEmbedded({ events: num(args.events), users: num(args.users), partitions: num(args.partitions), rate: num(args.rate), seconds: num(args.seconds) }));
  if (wanted('b')) report(await benchPipelineEmbedded({ events: num(args['events-b']), users: num(args.users), embedder: 'minilm' }));
  if (wanted('b2')) report(await benchPipelineEmbedded({ events: num(args['events-b2']), users: num(args.users), embedder: 'hashing' }));
}
if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), loadavg: load, results }, null, 2)}\n`);
process.stdout.write(`# done, loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
