/**
 * Where an exactly-once commit's time goes on Kafka: back-to-back transactions
 * shaped like the engine's (records over many topic partitions, then the input
 * offsets, then the commit), each phase timed — send (produce until every
 * record is acknowledged; librdkafka adds the partitions to the transaction on
 * the way), sendOffsetsToTransaction, commitTransaction — on the broker of the
 * Kafka benches (bench/kafka/broker.ts; KAFKA_JVM_PERF decides its JVM).
 *
 *   node --import tsx bench/micro/txn-phases.ts [--txns 150] [--records 60] [--topics 8] [--partitions 6] [--gap 0] [--producers 1] [--serial] [--compression lz4|none]
 *
 * `--producers 2`: two transactional producers take turns, the next transaction's records sent
 * while the previous one commits (runtime/commit-pipeline.ts does the same in the engine);
 * `--serial`: they take turns, one transaction at a time (the engine's default). TXN_DEBUG=1 prints
 * librdkafka's eos/protocol log and counts its ProduceRequests (one per partition) and
 * CONCURRENT_TRANSACTIONS retries.
 * docs/benchmarks.md, "Overlapping transactions", has the figures.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKafkaTransport } from '../../transports/kafka/index.js';
import type { OutgoingRecord, Producer } from '../../transports/types.js';
import { ensureBroker } from '../kafka/broker.js';

const { values } = parseArgs({
  options: {
    txns: { type: 'string', default: '150' },
    records: { type: 'string', default: '60' },
    topics: { type: 'string', default: '8' },
    partitions: { type: 'string', default: '6' },
    gap: { type: 'string', default: '0' },
    producers: { type: 'string', default: '1' },
    serial: { type: 'boolean', default: false },
    compression: { type: 'string' },
  },
});
const txns = Number(values.txns);
const perTxn = Number(values.records);
const partitions = Number(values.partitions);
const gapMs = Number(values.gap);
const producerCount = Number(values.producers);

const broker = ensureBroker((line) => process.stderr.write(`${line}\n`));
const transport = createKafkaTransport({
  brokers: broker.brokers,
  clientId: 'txn-phases',
  ...(process.env.TXN_DEBUG ? { producer: { debug: 'eos,protocol', log_level: 7 } } : {}),
});
const prefix = `txnph-${randomUUID().slice(0, 8)}`;
const topics = Array.from({ length: Number(values.topics) }, (_, i) => `${prefix}-out${i}`);
const input = `${prefix}-in`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} / p95 ${pct(xs, 95).toFixed(1)} / p99 ${pct(xs, 99).toFixed(1)} ms`;

try {
  await transport.admin().createTopics([...topics, input].map((name) => ({ name, partitions, replication: 1, config: {} })));
  const consumer = transport.consumer({ groupId: `${prefix}-g`, isolation: 'read_committed', autoOffsetReset: 'earliest' });
  await consumer.subscribe([input], { onAssigned: async () => {}, onRevoked: async () => {} });
  for (let i = 0; i < 50 && consumer.assignment().length === 0; i++) await consumer.poll(200, 10);
  const producers: Producer[] = Array.from({ length: producerCount }, (_, i) =>
    transport.producer({
      transactionalId: `${prefix}-tx-${i}`,
      clientId: prefix,
      ...(values.compression ? { compression: values.compression as 'none' } : {}),
    }),
  );
  // With TXN_DEBUG, what the debug log shows is also counted (a count does not depend on the machine's load).
  const seen = { produceRequests: 0, concurrentTransactions: 0 };
  if (process.env.TXN_DEBUG) {
    for (const p of producers)
      (p as unknown as { client: NodeJS.EventEmitter }).client.on('event.log', (l: { message: string }) => {
        if (l.message.includes('Sent ProduceRequest')) seen.produceRequests++;
        if (l.message.includes('AddPartitionsToTxn response') && l.message.includes('concurrent operation')) seen.concurrentTransactions++;
        process.stderr.write(`${performance.now().toFixed(1)} ${l.message}\n`);
      });
  }
  await Promise.all(producers.map((p) => p.connect?.()));
  const value = Buffer.alloc(300, 'x');
  const batch = (n: number): OutgoingRecord[] =>
    Array.from({ length: perTxn }, (_, i) => ({ topic: topics[i % topics.length]!, key: `k${n}-${i}`, value, timestamp: Date.now() }));
  const phases = { send: [] as number[], offsets: [] as number[], commit: [] as number[], total: [] as number[], between: [] as number[] };
  const commits: Promise<void>[] = [];
  let lastEnd = performance.now();
  const started = performance.now();
  for (let n = 0; n < txns + 10; n++) {
    const producer = producers[n % producerCount]!;
    // The producer's previous transaction must have ended before it begins the next one.
    await commits[n - (values.serial ? 1 : producerCount)];
    const t0 = performance.now();
    await producer.beginTransaction();
    await producer.send(batch(n));
    const t1 = performance.now();
    await producer.sendOffsetsToTransaction(
      Array.from({ length: partitions }, (_, p) => ({ topic: input, partition: p, offset: n })),
      consumer.groupMetadata(),
    );
    const t2 = performance.now();
    // Two producers: transaction n commits only after n-1 did (the engine's order).
    const commit = (commits[n - 1] ?? Promise.resolve()).then(async () => {
      const t3 = performance.now();
      await producer.commitTransaction();
      const t4 = performance.now();
      if (n >= 10) {
        phases.send.push(t1 - t0);
        phases.offsets.push(t2 - t1);
        phases.commit.push(t4 - t3);
        phases.total.push(t4 - t0);
        phases.between.push(t4 - lastEnd);
      }
      lastEnd = t4;
    });
    commits.push(commit);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    if (n === 9) phases.total.length = 0;
  }
  await commits.at(-1);
  const elapsed = (performance.now() - started) / 1000;
  process.stdout.write(
    `${[
      `# ${txns} transactions, ${perTxn} records over ${topics.length}×${partitions} partitions, offsets for ${partitions}, ${producerCount} producer(s)${values.compression ? `, compression ${values.compression}` : ''}${values.serial ? ' taking turns, one transaction at a time' : ''}, gap ${gapMs} ms (${broker.origin})`,
      `send (until acknowledged)  ${fmt(phases.send)}`,
      `sendOffsetsToTransaction   ${fmt(phases.offsets)}`,
      `commitTransaction          ${fmt(phases.commit)}`,
      `begin → committed          ${fmt(phases.total)}`,
      `commit → next commit       ${fmt(phases.between)}`,
      `${((txns + 10) / elapsed).toFixed(1)} transactions/s`,
      ...(process.env.TXN_DEBUG
        ? [
            `debug log, all ${txns + 10} transactions: ${seen.produceRequests} ProduceRequests, ${seen.concurrentTransactions} CONCURRENT_TRANSACTIONS retries of AddPartitionsToTxn`,
          ]
        : []),
    ].join('\n')}\n`,
  );
  await Promise.all(producers.map((p) => p.close()));
  await consumer.close();
} finally {
  await transport
    .admin()
    .deleteTopics([...topics, input])
    .catch(() => undefined);
  await transport.close();
  broker.stop();
}
