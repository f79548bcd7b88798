/**
 * The Kafka hop under exactly-once, measured alone: a transactional producer
 * sends one record and commits; a read_committed consumer polling all along
 * receives it. Per round: send (produce → acknowledged), commit
 * (commitTransaction), visible (commit returned → the consumer has it) and
 * total. Each variant sets librdkafka properties on top of the engine's
 * defaults, the way the `kafka:` block or KAFKA_CONFIG_* would:
 *
 *   node --import tsx bench/kafka/latency-probe.ts [--rounds 200] [--gap 20] [--partitions 1] [--variant name ...]
 *
 * A private broker (bench/kafka/broker.ts: AURA_BENCH_KAFKA_PORT, default 19292) unless
 * KAFKA_BROKERS is set. docs/benchmarks.md, "Kafka hop latency", has the figures.
 */

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { KafkaSettings } from '../../transports/kafka/client-settings.js';
import { createKafkaTransport } from '../../transports/kafka/index.js';
import { percentile, sleep } from '../common.js';
import { ensureBroker } from './broker.js';

/** The variants: what each sets besides the engine's own defaults. */
const VARIANTS: Record<string, { consumer?: KafkaSettings; producer?: KafkaSettings; common?: KafkaSettings }> = {
  // What the engine ran with before issue 12: fetch.wait.max.ms 100, linger.ms 5.
  before: { consumer: { 'fetch.wait.max.ms': 100 }, producer: { 'linger.ms': 5 } },
  // librdkafka's own defaults for the two.
  librdkafka: { consumer: { 'fetch.wait.max.ms': 500 }, producer: { 'linger.ms': 5 } },
  // The engine's defaults now (transports/kafka/consumer.ts, producer.ts).
  engine: {},
  'fetch-wait-100': { consumer: { 'fetch.wait.max.ms': 100 } },
  'fetch-wait-25': { consumer: { 'fetch.wait.max.ms': 25 } },
  'linger-5': { producer: { 'linger.ms': 5 } },
  'linger-0': { producer: { 'linger.ms': 0 } },
  'fetch-wait-10': { consumer: { 'fetch.wait.max.ms': 10 } },
  'linger-1': { producer: { 'linger.ms': 1 } },
  'nagle-off': { common: { 'socket.nagle.disable': true } },
};

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '200' },
    gap: { type: 'string', default: '20' },
    partitions: { type: 'string', default: '1' },
    variant: { type: 'string', multiple: true },
  },
});

interface Round {
  send: number;
  commit: number;
  visible: number;
  total: number;
}

async function probe(brokers: string, name: string, rounds: number, gapMs: number, partitions: number): Promise<Round[]> {
  const v = VARIANTS[name];
  if (!v) throw new Error(`unknown variant ${name} (${Object.keys(VARIANTS).join(', ')})`);
  const transport = createKafkaTransport({ brokers, clientId: `latency-probe-${name}`, extra: v.common, consumer: v.consumer, producer: v.producer });
  const topic = `latency-probe-${randomUUID().slice(0, 8)}`;
  await transport.admin().createTopics([{ name: topic, partitions, replication: 1, config: {} }]);
  const producer = transport.producer({ transactionalId: `${topic}-tx`, clientId: `${topic}-producer` });
  await producer.connect?.();
  const consumer = transport.consumer({ isolation: 'read_committed', clientId: `${topic}-consumer` });
  await consumer.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0 })));
  const arrived = new Map<number, number>();
  let polling = true;
  const loop = (async () => {
    while (polling) for (const r of await consumer.poll(1000, 50)) if (r.value!.toString() !== 'x') arrived.set(Number(r.value!.toString()), performance.now());
  })();
  const out: Round[] = [];
  try {
    // Warm-up: connections, the transaction coordinator, the first fetch.
    for (let i = -5; i < rounds; i++) {
      const t0 = performance.now();
      await producer.beginTransaction();
      // One record per partition (a commit of the engine writes to many): the last one is awaited.
      await producer.send(
        Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, key: 'k', value: Buffer.from(p === partitions - 1 ? String(i) : 'x') })),
      );
      const t1 = performance.now();
      await producer.commitTransaction();
      const t2 = performance.now();
      while (!arrived.has(i) && performance.now() - t2 < 5_000) await sleep(0.2);
      const t3 = arrived.get(i) ?? Number.NaN;
      if (i >= 0) out.push({ send: t1 - t0, commit: t2 - t1, visible: t3 - t2, total: t3 - t0 });
      await sleep(gapMs);
    }
  } finally {
    polling = false;
    await loop.catch(() => undefined);
    await consumer.close();
    await producer.close();
    await transport
      .admin()
      .deleteTopics([topic])
      .catch(() => undefined);
    await transport.close();
  }
  return out;
}

const broker = ensureBroker((l) => process.stdout.write(`${l}\n`));
try {
  const names = args.variant ?? Object.keys(VARIANTS);
  process.stdout.write(
    `# Kafka hop under exactly-once, ${args.rounds} rounds per variant, one record to each of ${args.partitions} partition(s) per transaction, ${args.gap} ms apart (${broker.origin})\n`,
  );
  process.stdout.write(`# ms, p50 / p99: send (produce → ack), commit (commitTransaction), visible (commit → read_committed consumer has it), total\n`);
  for (const name of names) {
    const r = await probe(broker.brokers, name, Number(args.rounds), Number(args.gap), Number(args.partitions));
    const q = (k: keyof Round) => {
      const sorted = r.map((x) => x[k]).sort((a, b) => a - b);
      return `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)}`;
    };
    process.stdout.write(`${name.padEnd(16)} send ${q('send')}  commit ${q('commit')}  visible ${q('visible')}  total ${q('total')}\n`);
  }
} finally {
  broker.stop();
}
