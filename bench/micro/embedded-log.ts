/**
 * Micro benchmark of the embedded log: appends (plain and transactional) and
 * consumption, in records per second, plus produce→poll latency.
 *
 *   [AURA_BENCH_TAIL_BYTES=0] node --import tsx bench/micro/embedded-log.ts [records=200000] [batch=1000] [valueBytes=100]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import type { OutgoingRecord } from '../../transports/types.js';

const [total = 200_000, batchSize = 1000, valueBytes = 100] = process.argv.slice(2).map(Number);
const PARTITIONS = 8;

function batches(topic: string): OutgoingRecord[][] {
  const value = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, valueBytes - 10)) }));
  const out: OutgoingRecord[][] = [];
  for (let i = 0; i < total; i += batchSize) {
    const b: OutgoingRecord[] = [];
    for (let j = i; j < Math.min(total, i + batchSize); j++) b.push({ topic, key: `user-${j % 10_000}`, value });
    out.push(b);
  }
  return out;
}

/** Times a phase on the wall clock and in CPU time: on a shared machine the CPU figure is the steadier one. */
async function measure(label: string, n: number, run: () => Promise<void>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const cpuUs = process.cpuUsage(cpu0);
  const cpu = (cpuUs.user + cpuUs.system) / 1000;
  const fmt = (ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  console.log(`${label.padEnd(28)} ${fmt(wall).padStart(9)} records/s wall, ${fmt(cpu).padStart(9)} per CPU-second (${n} in ${wall.toFixed(0)} ms)`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-bench-log-'));
  // AURA_BENCH_TAIL_BYTES=0: no in-memory tail, every read from SQLite (a restore, another process).
  const tailBytes = process.env.AURA_BENCH_TAIL_BYTES === undefined ? undefined : Number(process.env.AURA_BENCH_TAIL_BYTES);
  const transport = createEmbeddedTransport({ path: path.join(dir, 'log.db'), maintenanceIntervalMs: 0, tailBytes });
  try {
    await transport.admin().createTopics([
      { name: 'plain', partitions: PARTITIONS, replication: 1, config: {} },
      { name: 'txn', partitions: PARTITIONS, replication: 1, config: {} },
    ]);
    console.log(`embedded log: ${total} records of ~${valueBytes} B, batches of ${batchSize}, ${PARTITIONS} partitions, WAL file in ${dir}`);

    const producer = transport.producer({});
    // Warm-up (JIT, statement caches, first pages of the file) on a topic of its own.
    await transport.admin().createTopics([{ name: 'warmup', partitions: PARTITIONS, replication: 1, config: {} }]);
    for (const b of batches('warmup').slice(0, 20)) await producer.send(b);

    const plain = batches('plain');
    await measure('produce (plain)', total, async () => {
      for (const b of plain) await producer.send(b);
    });

    const txProducer = transport.producer({ transactionalId: 'bench' });
    const txn = batches('txn');
    await measure('produce (transactional)', total, async () => {
      for (const b of txn) {
        await txProducer.beginTransaction();
        await txProducer.send(b);
        await txProducer.commitTransaction();
      }
    });

    for (const isolation of ['read_uncommitted', 'read_committed'] as const) {
      const consumer = transport.consumer({ groupId: `bench-${isolation}`, isolation, autoOffsetReset: 'earliest' });
      await consumer.subscribe([isolation === 'read_committed' ? 'txn' : 'plain'], { onAssigned: async () => {}, onRevoked: async () => {} });
      await measure(`consume (${isolation})`, total, async () => {
        let read = 0;
        while (read < total) read += (await consumer.poll(batchSize, 1000)).length;
      });
      await consumer.close();
    }

    // Latency: a consumer parked in poll, one record appended, time until poll returns it.
    const consumer = transport.consumer({ groupId: 'bench-latency', isolation: 'read_committed', autoOffsetReset: 'latest' });
    await consumer.subscribe(['plain'], { onAssigned: async () => {}, onRevoked: async () => {} });
    await consumer.poll(1, 0);
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const pending = consumer.poll(10, 1000);
      await new Promise((r) => setImmediate(r));
      const sent = performance.now();
      await producer.send([{ topic: 'plain', key: `k${i}`, value: Buffer.from('x') }]);
      const got = await pending;
      if (got.length !== 1) throw new Error(`expected 1 record, got ${got.length}`);
      samples.push(performance.now() - sent);
    }
    samples.sort((a, b) => a - b);
    const pct = (q: number) => samples[Math.floor(q * (samples.length - 1))]!.toFixed(3);
    console.log(`produce→poll latency:    p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`);
  } finally {
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
