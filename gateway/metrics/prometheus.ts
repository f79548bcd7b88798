/**
 * `/metrics` in Prometheus format (prom-client), named after Kafka Streams'
 * metric groups: processor-node (process total/rate/latency, errors, busy and
 * utilization ratio per node),
 * thread (commits and their latency), consumer (records lag per partition),
 * state-store (entries per store and task), plus the record end-to-end latency
 * and the gateway's own (publish latency, publish → each processing stage,
 * Guardian first chunk / final answer, WebSocket clients, HTTP requests, where
 * replies came from). The engine's latency histograms per hop, poll,
 * punctuation, rebalances, restores and the record cache: engine-histograms.ts.
 * Engine values are read at scrape time, never copied on the hot path.
 *
 * Where an event's time goes, hop by hop (all from the publish):
 *   aura_gateway_publish_latency_seconds                      HTTP publish → the log acknowledged
 *   aura_stream_processor_node_record_e2e_latency_seconds     → each sink node's output (per hop)
 *   aura_stream_record_committed_e2e_latency_seconds          → the commit that made it readable
 *   aura_gateway_event_stage_latency_seconds                  → the status stored for the user's stream
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamEngine } from '../../runtime/engine.js';
import type { KeyValueStore } from '../../state/types.js';
import { registerEngineMetrics } from './engine-histograms.js';
import type { LagMonitor } from './lag-monitor.js';
import type { NodeStat, NodeStats, NodeTotals } from './node-stats.js';

export interface MetricSources {
  engine: StreamEngine;
  nodes: NodeStats;
  lag: LagMonitor;
  wsClients: () => number;
  pendingAdvice: () => number;
  /** Reply-topic records handled, by where they came from: this process's engine (at its commit) or the reply consumer. */
  replyRecords?: () => { engine: number; log: number };
}

/** Seconds; the engine's bounds (runtime/metrics.ts) and 30 s, so the gateway's and the engine's hops compare bucket for bucket. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly publishLatency: Histogram<'event_type'>;
  readonly stageLatency: Histogram<'stage'>;
  readonly guardianLatency: Histogram<'phase'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly commitLatency: Histogram;
  private readonly commitObserver: (ms: number) => void;

  constructor(private readonly sources: MetricSources) {
    const r = [this.registry];
    const { engine, nodes, lag } = sources;
    const m = engine.metrics;
    collectDefaultMetrics({ register: this.registry, prefix: 'aura_' });

    this.publishLatency = new Histogram({
      name: 'aura_gateway_publish_latency_seconds',
      help: 'HTTP publish until the log acknowledged the event',
      labelNames: ['event_type'],
      buckets: LATENCY_BUCKETS,
      registers: r,
    });
    this.stageLatency = new Histogram({
      name: 'aura_gateway_event_stage_latency_seconds',
      help: 'Publish until the event reached a processing stage (end-to-end latency)',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers: r,
    });
    this.guardianLatency = new Histogram({
      name: 'aura_gateway_guardian_latency_seconds',
      help: 'Advice request until its first chunk / final answer',
      labelNames: ['phase'],
      buckets: LATENCY_BUCKETS,
      registers: r,
    });
    this.httpRequests = new Counter({
      name: 'aura_gateway_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: r,
    });
    this.commitLatency = new Histogram({
      name: 'aura_stream_thread_commit_latency_seconds',
      help: 'Commit latency (transaction of outputs, changelogs and offsets)',
      buckets: LATENCY_BUCKETS,
      registers: r,
    });
    this.commitObserver = (ms) => this.commitLatency.observe(ms / 1000);
    m.commitObservers.push(this.commitObserver);

    type Pick = (s: NodeStat) => number;
    // Totals are read live at scrape time; rates come from the last one-second sample.
    const nodeCounter = (name: string, help: string, pick: (t: NodeTotals) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['processor_node_id'],
        registers: r,
        collect() {
          this.reset();
          for (const [id, t] of nodes.totals()) this.inc({ processor_node_id: id }, pick(t));
        },
      });
    const nodeGauge = (name: string, help: string, pick: Pick) =>
      new Gauge({
        name,
        help,
        labelNames: ['processor_node_id'],
        registers: r,
        collect() {
          this.reset();
          for (const [id, s] of nodes.snapshot()) this.set({ processor_node_id: id }, pick(s));
        },
      });
    nodeCounter('aura_stream_processor_node_process_total', 'Records processed per processor node', (s) => s.processed);
    nodeGauge('aura_stream_processor_node_process_rate', 'Records per second per processor node (last second)', (s) => s.rate);
    nodeGauge('aura_stream_processor_node_process_latency_avg_ms', 'Average processing latency per processor node', (s) => s.latencyAvgMs);
    nodeCounter('aura_stream_processor_node_errors_total', 'Processing errors per processor node', (s) => s.errors);
    // Like Kafka Streams' active-process-ratio, per node: where a saturated instance spends its time.
    nodeGauge(
      'aura_stream_processor_node_busy_ratio',
      'Share of the last second spent in the node itself, without its children (records in flight for asynchronous nodes)',
      (s) => s.busy,
    );
    nodeGauge(
      'aura_stream_processor_node_utilization_ratio',
      'busy_ratio over what the node can do here (one loop, or concurrency × tasks for asynchronous nodes): 1 = saturated',
      (s) => s.utilization,
    );

    const mirror = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: r,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    mirror('aura_stream_thread_commit_total', 'Commits', () => m.commitTotal);
    mirror('aura_stream_task_dead_letter_records_total', 'Records sent to the dead letter topic', () => m.deadLetterRecordsTotal);
    mirror('aura_stream_task_skipped_records_total', 'Records skipped by the `skip` failure policy', () => m.skippedRecordsTotal);
    mirror('aura_stream_task_dropped_records_total', 'Late records dropped by windows', () => m.droppedRecordsTotal);
    mirror('aura_stream_thread_records_consumed_total', 'Records consumed', () => m.pollRecordsTotal);
    mirror('aura_stream_thread_records_produced_total', 'Records produced (without changelogs)', () => m.recordsProducedTotal);
    mirror('aura_stream_state_restore_records_total', 'Records restored from changelogs', () => m.restoreTotal);

    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          this.set(read());
        },
      });
    gauge('aura_stream_thread_commit_latency_avg_ms', 'Average commit latency', () => m.commitLatency.avgMs);
    gauge('aura_stream_thread_commit_latency_max_ms', 'Largest commit latency', () => m.commitLatency.maxMs);
    gauge('aura_stream_record_e2e_latency_avg_ms', 'Average record timestamp → committed output', () => m.committedE2eLatency.avgMs);
    gauge('aura_stream_thread_active_tasks', 'Tasks running here', () => engine.tasks.size);
    gauge('aura_stream_thread_restoring_tasks', 'Tasks restoring their state', () => engine.restoring);
    gauge('aura_gateway_websocket_clients', 'Open WebSocket connections (user streams)', () => sources.wsClients());
    gauge('aura_gateway_guardian_pending_requests', 'Requests waiting synchronously for a Guardian answer', () => sources.pendingAdvice());
    new Counter({
      name: 'aura_gateway_reply_records_total',
      help: 'Records of the reply topics handled: source="engine" handed over by the pipeline of this process at its commit, source="log" read by the reply consumer',
      labelNames: ['source'],
      registers: r,
      collect() {
        this.reset();
        const n = sources.replyRecords?.() ?? { engine: 0, log: 0 };
        this.inc({ source: 'engine' }, n.engine);
        this.inc({ source: 'log' }, n.log);
      },
    });
    registerEngineMetrics(this.registry, engine);

    new Gauge({
      name: 'aura_stream_consumer_records_lag',
      help: 'Records behind the end of the log, per input partition (committed offsets of the group)',
      labelNames: ['topic', 'partition'],
      registers: r,
      collect() {
        this.reset();
        for (const [k, v] of lag.lag) {
          const i = k.lastIndexOf(':');
          this.set({ topic: k.slice(0, i), partition: k.slice(i + 1) }, v);
        }
      },
    });
    new Gauge({
      name: 'aura_stream_state_store_entries',
      help: 'Approximate entries per state store and task',
      labelNames: ['store_id', 'task_id'],
      registers: r,
      collect() {
        this.reset();
        for (const task of engine.tasks.values()) {
          for (const storeId of task.options.subtopology.stores) {
            const store = task.options.state.getStore(storeId) as KeyValueStore;
            this.set({ store_id: storeId, task_id: task.id }, store.approximateCount());
          }
        }
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    const list = this.sources.engine.metrics.commitObservers;
    const i = list.indexOf(this.commitObserver);
    if (i >= 0) list.splice(i, 1);
  }
}
