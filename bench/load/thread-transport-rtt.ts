/**
 * What crossing to a transport thread costs a publish: one record sent and acknowledged at a
 * time, N times, on the embedded log in this thread and served from a transport thread
 * (transports/thread/), alternating rounds; prints p50 / p99 / max per round (µs) and the process's CPU
 * (all threads) per send, then the time to read the records back.
 *
 *   node --import tsx bench/load/thread-transport-rtt.ts [--sends 2000] [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEmbeddedTransport } from '../../transports/embedded/index.js';
import { startTransportThread } from '../../transports/thread/index.js';
import type { Transport } from '../../transports/types.js';

const { values } = parseArgs({ options: { sends: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const sends = Number(values.sends);

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function round(transport: Transport): Promise<string> {
  await transport.admin().createTopics([{ name: 't', partitions: 1, replication: 1, config: {} }]);
  const producer = transport.producer({});
  const consumer = transport.consumer({ isolation: 'read_committed' });
  await consumer.assign([{ topic: 't', partition: 0, offset: 0 }]);
  const value = Buffer.from(JSON.stringify({ type: 'mood', score: 7, note: 'calm walk after lunch' }));
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < sends; i++) {
    const t0 = performance.now();
    await producer.send([{ topic: 't', key: `user-${i % 100}`, value, partition: 0 }]);
    times.push((performance.now() - t0) * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  // Read back what was sent (the reply path: a poll after the records are there).
  let read = 0;
  const r0 = performance.now();
  while (read < sends) read += (await consumer.poll(500, 100)).length;
  const readMs = performance.now() - r0;
  await consumer.close();
  await producer.close();
  times.sort((a, b) => a - b);
  return `send+ack p50 ${pct(times, 50).toFixed(0)} µs, p99 ${pct(times, 99).toFixed(0)} µs, max ${times.at(-1)!.toFixed(0)} µs; the process's CPU (all threads) ${((cpu.user + cpu.system) / sends).toFixed(0)} µs per send; read back ${sends} in ${readMs.toFixed(1)} ms`;
}

for (let r = 1; r <= Number(values.rounds); r++) {
  for (const where of ['in this thread', 'transport thread'] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-thread-rtt-'));
    const file = path.join(dir, 'log.db');
    try {
      if (where === 'in this thread') {
        const t = createEmbeddedTransport({ path: file, maintenanceIntervalMs: 0 });
        process.stdout.write(`round ${r}, ${where}: ${await round(t)}\n`);
        await t.close();
      } else {
        const t = await startTransportThread({ path: file, maintenanceIntervalMs: 0 });
        process.stdout.write(`round ${r}, ${where}: ${await round(t.transport)}\n`);
        await t.transport.close();
        await t.exited;
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
