/** Consumer lag per assigned partition: log end (the LSO under read_committed) minus the position. */
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Consumer } from '../transports/types.js';
import type { EngineMetrics } from './metrics.js';

export async function updateLag(consumer: Consumer, metrics: EngineMetrics, logger: Logger): Promise<void> {
  const tps = consumer.assignment();
  if (tps.length === 0) return;
  try {
    const ends = await consumer.endOffsets(tps);
    metrics.lag.clear();
    for (const e of ends) {
      const pos = consumer.position(e);
      if (pos !== undefined) metrics.lag.set(`${e.topic}:${e.partition}`, Math.max(0, e.offset - pos));
    }
  } catch (err) {
    logger.debug({ err: errorMessage(err) }, 'lag not updated'); // a metric must never stop processing
  }
}
