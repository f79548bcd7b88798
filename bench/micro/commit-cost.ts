/**
 * What committing when the input is drained costs and buys: the default
 * pipeline (hashing embedder, in-memory vectors) on the embedded log in this
 * process, records arriving one by one at a fixed rate, each stamped with the
 * wall clock; latency = when a read_committed reader of
 * `aura360.vectordb.ingest` has the result − the stamp (publish → ingested,
 * without the gateway). Per minimum gap (runtime/commit-policy.ts): latency
 * p50/p95/p99, commits, and CPU time of this process per event — CPU rather
 * than wall time, which a shared machine cannot give honestly.
 *
 *   node --import tsx bench/micro/commit-cost.ts [--rate 200] [--seconds 8] [--gaps 5,10,20,100] [--rounds 2] [--kafka]
 *
 * `--kafka`: the same on a broker (bench/kafka/broker.ts: KAFKA_BROKERS, else a private one on
 * AURA_BENCH_KAFKA_PORT), with the app's and topics' names made unique and deleted afterwards.
 *
 * A gap of commit_interval (100 ms) commits about as often as the engine did before it committed
 * on drained input. docs/benchmarks.md, "Commit when it pays", has the figures.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp } from '../../runtime/app.js';
import { encodeValue } from '../../runtime/serde.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { makeEvents } from '../../testing/support/events.js';
import { cleanUpRun } from '../../testing/support/run-cleanup.js';
import { loadPipeline } from '../../topology/compile.js';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import { createKafkaTransport } from '../../transports/kafka/index.js';
import type { Transport } from '../../transports/types.js';
import { percentile, sleep } from '../common.js';
import { ensureBroker } from '../kafka/broker.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '8' },
    gaps: { type: 'string', default: '5,10,20,100' },
    rounds: { type: 'string', default: '2' },
    kafka: { type: 'boolean', default: false },
  },
});

const PIPELINE = path.resolve(import.meta.dirname, '../../pipeline.yaml');

/** The default pipeline with a unique app and unique topic names (on a shared broker). */
function uniquePipeline(dir: string): string {
  const id = randomUUID().slice(0, 8);
  const text = fs
    .readFileSync(PIPELINE, 'utf8')
    .replace('app: aura360', `app: cc-${id}`)
    .replace(/name: aura360\./g, `name: cc-${id}.`);
  const file = path.join(dir, 'pipeline.yaml');
  fs.writeFileSync(file, text);
  fs.cpSync(path.resolve(import.meta.dirname, '../../schemas/events'), path.join(dir, 'schemas/events'), { recursive: true });
  return file;
}

async function run(gap: number, rate: number, seconds: number, brokers: string | undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-commit-cost-'));
  const pipeline = loadPipeline(brokers ? uniquePipeline(dir) : PIPELINE, { env: { AURA_VECTOR_DB: ':memory:', AURA_STATE_DIR: dir } });
  const transport: Transport = brokers
    ? createKafkaTransport({ brokers, clientId: 'commit-cost' })
    : createEmbeddedTransport({ path: path.join(dir, 'log.db') });
  const app = createPipelineApp({
    pipeline,
    transport,
    logger: createLogger('commit-cost', 'warn'),
    stateDir: dir,
    instanceId: 'bench',
    topics: 'create',
    commitMinGapMs: gap,
    resources: { overrides: { embedder: createHashingEmbedder() } },
  });
  try {
    await app.start();
    // On Kafka the group's first assignment comes a moment after start.
    while (app.engine.tasks.size === 0) await sleep(50);
    const input = pipeline.topics.user_events!;
    const output = pipeline.topics.vectordb_ingest!;
    const reader = transport.consumer({ isolation: 'read_committed' });
    await reader.assign(Array.from({ length: output.partitions }, (_, p) => ({ topic: output.name, partition: p, offset: 0 })));
    const producer = transport.producer({});
    const events = makeEvents(rate * seconds, 100, 5);
    const latencies: number[] = [];
    let producing = true;
    const reading = (async () => {
      const deadline = () => !producing && performance.now() > stop + 20_000;
      let stop = Number.POSITIVE_INFINITY;
      while (latencies.length < events.length && !deadline()) {
        for (const r of await reader.poll(1000, 50)) latencies.push(Date.now() - r.timestamp);
        if (!producing && stop === Number.POSITIVE_INFINITY) stop = performance.now();
      }
    })();
    const commits0 = app.engine.metrics.commitTotal;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    for (let i = 0; i < events.length; i++) {
      const wait = t0 + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      const e = events[i]!;
      await producer.send([{ topic: input.name, key: e.user_id, value: encodeValue(e), timestamp: Date.now() }]);
    }
    producing = false;
    await reading;
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    await producer.close();
    await reader.close();
    return {
      received: latencies.length,
      sent: events.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      commits: app.engine.metrics.commitTotal - commits0,
      cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / events.length,
    };
  } finally {
    await app.stop();
    await cleanUpRun(transport, brokers ? Object.values(pipeline.topics).map((t) => t.name) : [], dir);
  }
}

const rate = Number(args.rate);
const seconds = Number(args.seconds);
const broker = args.kafka ? ensureBroker((l) => process.stdout.write(`${l}\n`)) : undefined;
try {
  const where = broker ? `Kafka (${broker.origin})` : 'embedded log';
  process.stdout.write(
    `# default pipeline (hashing embedder), ${where}, exactly-once, ${rate} events/s one by one for ${seconds} s; loadavg ${os.loadavg()[0]!.toFixed(2)}\n`,
  );
  process.stdout.write('# gap ms | publish → ingested p50 / p95 / p99 ms | commits | CPU ms/event\n');
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const gap of args.gaps.split(',').map(Number)) {
      const r = await run(gap, rate, seconds, broker?.brokers);
      const lost = r.received < r.sent ? ` (${r.sent - r.received} not seen!)` : '';
      process.stdout.write(`${String(gap).padStart(6)} | ${r.p50} / ${r.p95} / ${r.p99}${lost} | ${r.commits} | ${r.cpuMsPerEvent.toFixed(2)}\n`);
    }
  }
} finally {
  broker?.stop();
}
