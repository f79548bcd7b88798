/**
 * Consumer lag of the pipeline's group per input partition: the end of the
 * log (the last stable offset, read_committed) minus the group's committed
 * offset. Read with a consumer of the group that never subscribes (it joins
 * nothing, it only asks), refreshed every `intervalMs`.
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Pipeline } from '../../topology/model.js';
import type { Consumer, TopicPartition, Transport } from '../../transports/types.js';

export class LagMonitor {
  /** Lag per `topic:partition` (physical topic names). */
  readonly lag = new Map<string, number>();
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private readonly partitions: TopicPartition[];
  private refreshing = false;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly transport: Transport,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
  ) {
    const ids = new Set(pipeline.subtopologies.flatMap((st) => [...st.sourceTopics, ...st.tableTopics]));
    this.partitions = [...ids].flatMap((id) => {
      const t = pipeline.topics[id]!;
      return Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition }));
    });
  }

  start(): void {
    this.consumer = this.transport.consumer({ groupId: this.pipeline.app, isolation: 'read_committed', clientId: `${this.pipeline.app}-lag-monitor` });
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.consumer?.close().catch(() => undefined);
    this.consumer = undefined;
  }

  async refresh(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.refreshing) return;
    this.refreshing = true;
    try {
      const [ends, committed] = await Promise.all([consumer.endOffsets(this.partitions), consumer.committed(this.partitions)]);
      const done = new Map(committed.map((c) => [`${c.topic}:${c.partition}`, c.offset]));
      for (const e of ends) {
        const k = `${e.topic}:${e.partition}`;
        this.lag.set(k, Math.max(0, e.offset - Math.max(0, done.get(k) ?? 0)));
      }
    } catch (err) {
      this.logger.debug({ err: errorMessage(err) }, 'lag monitor: refresh failed');
    } finally {
      this.refreshing = false;
    }
  }

  /** Total lag per physical topic. */
  byTopic(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, v] of this.lag) {
      const topic = k.slice(0, k.lastIndexOf(':'));
      out.set(topic, (out.get(topic) ?? 0) + v);
    }
    return out;
  }
}
