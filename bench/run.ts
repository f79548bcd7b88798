/**
 * `npm run bench`: the engine's numbers, each printed with its target (issue 11)
 * and whether it is met; docs/benchmarks.md says what each means and how.
 *
 *   npm run bench                   embedded log, one process:
 *                                     stats    per-user stats (bench/stats.yaml), 1 partition, 1,000,000 events / 10,000 users
 *                                     context  context window (bench/aggregate.yaml), 1 partition, 200,000 / 1,000, + latency
 *                                     b        default pipeline.yaml with MiniLM, 20,000 events / 1,000 users, end state verified
 *                                     b2       the same with the hashing embedder
 *                                     restore  1,000,000-key store restored from its changelog into an empty state dir
 *   npm run bench -- --kafka        real broker: stats and context, ours vs Kafka Streams (its defaults),
 *                                   alternating --rounds times (3), median ratio; `--only restore` restores from Kafka
 *   npm run bench -- --kafka --matrix   the older matrix: ours and Kafka Streams, both guarantees, cache on/off, latency
 *
 * Options: --only a,b,… (the names above), --events N / --users N (override the
 * aggregation workloads' sizes: smoke tests), --events-b N, --events-b2 N,
 * --restore-keys N, --partitions N (Kafka 6, embedded 1), --rounds N, --minilm-workers N (b),
 * --rate N --seconds N (context latency phase; --seconds 0 skips it),
 * --commit-interval D (ours, default 100ms), --threads N (ours on Kafka: stream threads, default 1),
 * --skip-verify, --json FILE.
 * Matrix only: --ks-cache BYTES[,BYTES]. Check `cat /proc/loadavg` first: on a
 * busy machine the numbers are meaningless.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { fmt } from './common.js';
import { benchWorkloadEmbedded, type ThroughputResult } from './embedded.js';
import { benchPipelineEmbedded } from './pipeline.js';
import { benchRestore, type RestoreResult } from './restore.js';
import { describeTarget } from './targets.js';

const { values: args } = parseArgs({
  options: {
    kafka: { type: 'boolean', default: false },
    matrix: { type: 'boolean', default: false },
    events: { type: 'string' },
    users: { type: 'string' },
    'events-b': { type: 'string', default: '20000' },
    'events-b2': { type: 'string', default: '20000' },
    'restore-keys': { type: 'string', default: '1000000' },
    'minilm-workers': { type: 'string' },
    partitions: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    only: { type: 'string' },
    'ks-cache': { type: 'string', default: '10485760,0' },
    'skip-verify': { type: 'boolean', default: false },
    json: { type: 'string' },
    'commit-interval': { type: 'string', default: '100ms' },
    threads: { type: 'string', default: '1' },
  },
});

const only = new Set(
  (args.only ?? '')
    .split(',')
    .filter(Boolean)
    .map((n) => (n === 'a' ? 'context' : n)),
);
const wanted = (name: string): boolean => only.size === 0 || only.has(name);
const opt = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

function describeResult(r: ThroughputResult): string {
  let line = `${r.name}: ${fmt(r.events)} events, ${fmt(r.users)} users in ${r.timing.wallSeconds.toFixed(2)} s = ${fmt(r.eventsPerSecond)} events/s (${fmt(r.commits)} commits, ${fmt(r.recordsOut)} records out)`;
  if (r.target) line += `; ${describeTarget(r.target.id, r.target)}`;
  if (r.problems) line += r.problems.length === 0 ? '; end state verified' : `\n    END STATE WRONG: ${r.problems.join('\n    ')}`;
  if (r.latency) {
    const l = r.latency;
    line += `\n    latency at ${fmt(l.rate)} events/s: p50 ${fmt(l.p50)} ms, p99 ${fmt(l.p99)} ms, max ${fmt(l.max)} ms (${fmt(l.received)} outputs for ${fmt(l.sent)} inputs)`;
  }
  return line;
}

function describeRestore(r: RestoreResult): string {
  const check = r.problems.length === 0 ? 'store verified' : `STORE WRONG: ${r.problems.join('; ')}`;
  return `${r.name}: ${fmt(r.keys)} keys in ${r.seconds.toFixed(2)} s = ${fmt(r.recordsPerSecond)} records/s; ${describeTarget('restore', r.target)}; ${check}`;
}

const load = os.loadavg();
process.stdout.write(
  `# ${new Date().toISOString()}  ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), loadavg ${load.map((x) => x.toFixed(2)).join(' ')}, node ${process.version}\n`,
);
if (load[0]! > 1.5) process.stdout.write(`# warning: 1-minute load ${load[0]!.toFixed(2)}: other processes compete for the CPU, numbers will be low\n`);

const results: unknown[] = [];
const print = (line: string, data?: unknown): void => {
  if (data !== undefined) results.push(data);
  process.stdout.write(`${line}\n`);
};
const report = (r: ThroughputResult): void => print(describeResult(r), r);
let failed = false;
const verdict = (problems: string[] | undefined): void => {
  if (problems && problems.length > 0) failed = true;
};

// bench/aggregate.yaml and bench/stats.yaml read it (every run of ours); Kafka Streams commits every 100 ms.
process.env.AURA_BENCH_COMMIT_INTERVAL = args['commit-interval'];
const sizes = { events: opt(args.events), users: opt(args.users) };

if (args.kafka && args.matrix) {
  const { runKafkaBenches } = await import('./kafka/suite.js');
  await runKafkaBenches(
    {
      events: sizes.events ?? 200_000,
      users: sizes.users ?? 1_000,
      partitions: opt(args.partitions) ?? 1,
      rate: Number(args.rate),
      seconds: Number(args.seconds),
      ours: wanted('ours'),
      ks: wanted('ks'),
      ksCaches: args['ks-cache']!.split(',').map(Number),
    },
    print,
  );
} else if (args.kafka) {
  const { ensureBroker } = await import('./kafka/broker.js');
  const broker = ensureBroker(print);
  process.env.KAFKA_BROKERS = broker.brokers;
  try {
    const workloads = (['stats', 'context'] as const).filter(wanted);
    if (workloads.length > 0) {
      const { runKafkaComparison } = await import('./kafka/compare.js');
      const out = await runKafkaComparison(
        {
          workloads,
          ...sizes,
          partitions: opt(args.partitions) ?? 6,
          rounds: Number(args.rounds),
          verify: !args['skip-verify'],
          threads: Number(args.threads),
        },
        broker,
        print,
      );
      for (const c of out) verdict(c.problems);
    }
    if (wanted('restore')) {
      const { createKafkaTransport, kafkaConfigFromEnv } = await import('../transports/kafka/index.js');
      const transport = createKafkaTransport(kafkaConfigFromEnv());
      try {
        const r = await benchRestore({ keys: Number(args['restore-keys']), transport, label: `Kafka (${broker.origin})` });
        print(describeRestore(r), r);
        verdict(r.problems);
      } finally {
        await transport.close();
      }
    }
  } finally {
    broker.stop();
  }
} else {
  const embedded = { ...sizes, partitions: opt(args.partitions) };
  for (const name of ['stats', 'context'] as const) {
    if (!wanted(name)) continue;
    const r = await benchWorkloadEmbedded(name, { ...embedded, rate: Number(args.rate), seconds: Number(args.seconds) });
    report(r);
    verdict(r.problems);
  }
  for (const [name, embedder, events] of [
    ['b', 'minilm', args['events-b']],
    ['b2', 'hashing', args['events-b2']],
  ] as const) {
    if (!wanted(name)) continue;
    const r = await benchPipelineEmbedded({ events: Number(events), users: sizes.users ?? 1_000, embedder, minilmWorkers: opt(args['minilm-workers']) });
    report(r);
    verdict(r.problems);
  }
  if (wanted('restore')) {
    const r = await benchRestore({ keys: Number(args['restore-keys']) });
    print(describeRestore(r), r);
    verdict(r.problems);
  }
}
if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), loadavg: load, results }, null, 2)}\n`);
process.stdout.write(
  `# done, loadavg ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
if (failed) process.exitCode = 1;
