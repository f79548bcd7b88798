/** Consumer lag per assigned partition: log end (the LSO under read_committed) minus the position. */
import type { Consumer } from '../transports/types.js';
import type { EngineMetrics } from './metrics.js';

/** One broker round trip; throws when it fails (the caller decides: see broker-probe.ts). */
export async function updateLag(consumer: Consumer, metrics: EngineMetrics): Promise<void> {
  const tps = consumer.assignment();
  if (tps.length === 0) return;
  const ends = await consumer.endOffsets(tps);
  metrics.lag.clear();
  for (const e of ends) {
    const pos = consumer.position(e);
    if (pos !== undefined) metrics.lag.set(`${e.topic}:${e.partition}`, Math.max(0, e.offset - pos));
  }
}
