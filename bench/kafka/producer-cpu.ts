/**
 * The producer adapter's cost on the JavaScript thread, as the engine's commit uses it: a
 * transactional producer sends a commit's worth of keyed records (stats-sized JSON) in one
 * send(), awaits the delivery reports and commits. Prints the main thread's CPU per record
 * (/proc/self/task/<pid>/stat: produce() calls, the binding's delivery reports, the adapter's
 * matching), which is what docs/benchmarks.md "kafkastats" compares; Linux only.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --import tsx bench/kafka/producer-cpu.ts [records per send] [sends]
 *   AURA_TREE=/work/main ...   the adapter of another checkout (same script, its transports/)
 */

import fs from 'node:fs';
import path from 'node:path';
import type { KafkaConnectionConfig } from '../../transports/kafka/config.js';
import type { KafkaTransport } from '../../transports/kafka/index.js';

type KafkaModule = {
  createKafkaTransport(c: KafkaConnectionConfig): KafkaTransport;
  kafkaConfigFromEnv(): KafkaConnectionConfig;
};

function mainThreadCpuMs(): number {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const perSend = Number(process.argv[2] ?? 20_000);
const sends = Number(process.argv[3] ?? 15);
const warmup = 3;
const tree = process.env.AURA_TREE ?? path.resolve(import.meta.dirname, '../..');
const kafka = (await import(path.join(tree, 'transports/kafka/index.ts'))) as KafkaModule;
const transport = kafka.createKafkaTransport(kafka.kafkaConfigFromEnv());
const topic = `producer-cpu-${Date.now().toString(36)}`;
await transport.admin().createTopics([{ name: topic, partitions: 6, replication: 1, config: {} }]);
const producer = transport.producer({ transactionalId: `${topic}-tx` });
const records = Array.from({ length: perSend }, (_, i) => ({
  topic,
  key: `user-${i % 10_000}`,
  value: Buffer.from(JSON.stringify({ user: `user-${i % 10_000}`, count: i, sum: i * 3.5, min: 1, max: i })),
}));
let cpu = 0;
let wall = 0;
for (let s = 0; s < warmup + sends; s++) {
  const c0 = mainThreadCpuMs();
  const w0 = performance.now();
  await producer.beginTransaction();
  const meta = await producer.send(records);
  await producer.commitTransaction();
  if (meta.length !== perSend) throw new Error(`send returned ${meta.length} results for ${perSend} records`);
  if (s >= warmup) {
    cpu += mainThreadCpuMs() - c0;
    wall += performance.now() - w0;
  }
}
const n = perSend * sends;
process.stdout.write(
  `${tree}: ${n} records in ${sends} transactions: main thread ${((cpu * 1000) / n).toFixed(2)} µs CPU per record, wall ${((wall * 1000) / n).toFixed(2)} µs per record\n`,
);
await producer.close();
await transport.admin().deleteTopics([topic]);
await transport.close();
