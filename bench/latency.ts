/**
 * End-to-end latency at a fixed input rate: each input record is stamped with
 * the wall clock when it is handed to the producer; the latency of an output
 * record is the time a read_committed reader sees it minus that stamp (the
 * aggregate carries the input's timestamp to its output). Under exactly-once
 * that includes waiting for the transaction that holds the output to commit.
 *
 * The app under test must already run and be caught up.
 */

import { encodeValue } from '../runtime/serde.js';
import { makeEvents } from '../testing/support/events.js';
import type { Transport } from '../transports/types.js';
import { partitionsOf, percentile, sleep } from './common.js';

export interface LatencyOptions {
  transport: Transport;
  input: { name: string; partitions: number };
  output: { name: string; partitions: number };
  rate: number;
  seconds: number;
  users: number;
  seed: number;
  /** Throws when the app under test failed. */
  check?: () => void;
}

export interface LatencyResult {
  sent: number;
  /** Output records seen (fewer than sent when the app merges updates per key, e.g. Kafka Streams' cache). */
  received: number;
  p50: number;
  p99: number;
  max: number;
  /** Achieved input rate, events/s. */
  rate: number;
}

export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  const { transport } = o;
  const reader = transport.consumer({ isolation: 'read_committed', clientId: 'bench-latency-reader' });
  const outTps = partitionsOf(o.output.name, o.output.partitions);
  await reader.assign(await reader.endOffsets(outTps));
  const producer = transport.producer({ clientId: 'bench-latency-producer' });
  const events = makeEvents(Math.round(o.rate * o.seconds), o.users, o.seed);
  const latencies: number[] = [];
  const t0 = Date.now();
  let producing = true;
  let lastSeen = Date.now();
  let readError: unknown;

  const reading = (async () => {
    for (;;) {
      o.check?.();
      const batch = await reader.poll(1000, 20);
      const now = Date.now();
      for (const r of batch) {
        if (r.timestamp < t0) continue; // an output of the throughput phase
        latencies.push(now - r.timestamp);
        lastSeen = now;
      }
      // Done when the input is all sent and outputs stopped coming (or all came).
      if (!producing && (latencies.length >= events.length || now - lastSeen > 3000)) return;
    }
  })().catch((err: unknown) => {
    readError = err;
  });

  const sends: Array<Promise<unknown>> = [];
  let sent = 0;
  try {
    while (sent < events.length) {
      if (readError !== undefined) break;
      const due = Math.min(events.length, Math.floor(((Date.now() - t0) / 1000) * o.rate));
      if (due > sent) {
        const now = Date.now();
        const batch = events.slice(sent, due).map((e) => {
          e.time = new Date(now).toISOString();
          return {
            topic: o.input.name,
            partition: transport.partitionFor(e.user_id, o.input.partitions),
            key: e.user_id,
            value: encodeValue(e),
            timestamp: now,
          };
        });
        sends.push(producer.send(batch));
        sent = due;
      }
      await sleep(5);
    }
    await Promise.all(sends);
    await producer.flush();
  } finally {
    producing = false;
  }
  const seconds = (Date.now() - t0) / 1000;
  await reading;
  if (readError !== undefined) throw readError;
  await producer.close();
  await reader.close();
  latencies.sort((a, b) => a - b);
  return {
    sent,
    received: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    rate: sent / seconds,
  };
}
