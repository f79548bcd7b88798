/**
 * Consumer lag of the pipeline's group per input partition: the end of the
 * log (the last stable offset, read_committed) minus the group's committed
 * offset. Read with a consumer of the group that never subscribes (it joins
 * nothing, it only asks), refreshed every `intervalMs`. The last minutes are
 * kept, for the trend (is a partition falling behind?) and sparklines.
 */
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Pipeline } from '../../topology/model.js';
import type { Consumer, TopicPartition, Transport } from '../../transports/types.js';

const HISTORY = 300;

export class LagMonitor {
  /** Lag per `topic:partition` (physical topic names). */
  readonly lag = new Map<string, number>();
  private readonly history: Array<{ at: number; lag: Map<string, number> }> = [];
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private readonly partitions: TopicPartition[];
  private refreshing = false;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly transport: Transport,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
    private readonly now: () => number = Date.now,
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
      this.history.push({ at: this.now(), lag: new Map(this.lag) });
      if (this.history.length > HISTORY) this.history.shift();
    } catch (err) {
      this.logger.debug({ err: errorMessage(err) }, 'lag monitor: refresh failed');
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * How fast the lag of `topic:partition` changes, records per second over the last `windowMs`
   * (positive: falling behind). 0 without two samples far enough apart.
   */
  trend(key: string, windowMs = 30_000): number {
    const last = this.history.at(-1);
    if (!last) return 0;
    const base = this.history.find((h) => h.at >= last.at - windowMs);
    if (!base || last.at - base.at < Math.min(windowMs, 3_000)) return 0;
    return ((last.lag.get(key) ?? 0) - (base.lag.get(key) ?? 0)) / ((last.at - base.at) / 1000);
  }

  /** Total lag per topic, the last value of each `stepMs` bucket over (at most) the last `points` buckets. */
  topicSeries(stepMs = 2_000, points = 150): { start: number; stepMs: number; topics: Record<string, number[]> } {
    const end = Math.floor(this.now() / stepMs);
    const first = this.history.length > 0 ? Math.floor(this.history[0]!.at / stepMs) : end;
    const start = Math.max(end - points + 1, first);
    points = end - start + 1;
    const topics: Record<string, number[]> = {};
    for (const { at, lag } of this.history) {
      const i = Math.floor(at / stepMs) - start;
      if (i < 0 || i >= points) continue;
      const totals = new Map<string, number>();
      for (const [k, v] of lag) {
        const t = k.slice(0, k.lastIndexOf(':'));
        totals.set(t, (totals.get(t) ?? 0) + v);
      }
      for (const [t, v] of totals) (topics[t] ??= new Array(points).fill(0))[i] = v;
    }
    return { start: start * stepMs, stepMs, topics };
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
