/**
 * Whether the broker answers, for readiness: the consumer's own view (librdkafka
 * reports when every broker connection is down) and a round trip every couple of
 * seconds — the consumer-lag refresh, which runs beside the poll loop so that a
 * slow broker never holds processing up. An idle engine learns of an outage too.
 */
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Consumer } from '../transports/types.js';
import { updateLag } from './lag.js';
import type { EngineMetrics } from './metrics.js';

/** How often consumer lag is refreshed (a broker round trip on Kafka). */
const INTERVAL_MS = 2000;

export class BrokerProbe {
  private last = 0;
  private inFlight: Promise<void> | undefined;
  private failure: { since: number; error: string } | undefined;

  constructor(
    private readonly consumer: () => Consumer,
    private readonly metrics: EngineMetrics,
    private readonly logger: Logger,
  ) {}

  /** Starts a round trip when one is due and none is running; never waits for it. */
  tick(now = Date.now()): void {
    if (this.inFlight || now - this.last < INTERVAL_MS) return;
    this.last = now;
    this.inFlight = updateLag(this.consumer(), this.metrics)
      .then(() => {
        this.failure = undefined;
      })
      .catch((err: unknown) => {
        this.failure ??= { since: Date.now(), error: errorMessage(err) };
        this.logger.debug({ err: errorMessage(err) }, 'lag not updated');
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Since when the broker does not answer, with why; undefined when it does (as far as we know). */
  unreachable(): { since: number; error: string } | undefined {
    const seen = this.consumer().unreachableSince?.();
    if (!seen) return this.failure;
    if (!this.failure) return seen;
    return seen.since <= this.failure.since ? seen : this.failure;
  }

  /** Lets a running round trip end (before the consumer closes). */
  async settle(): Promise<void> {
    await this.inFlight;
  }
}
