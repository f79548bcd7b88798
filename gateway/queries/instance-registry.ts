/**
 * Who owns which task, for interactive queries across instances (what Kafka
 * Streams spreads through the group protocol's user data). Each instance
 * publishes `{ instance, url, tasks, at, sig }` keyed by its id to a compacted,
 * single-partition topic `<app>-gateway-instances` — when its tasks change and
 * every `intervalMs` as a heartbeat — and reads the whole topic back on every
 * start. An entry older than three intervals is ignored; a stopping instance
 * writes a tombstone. The URL is `AURA_ADVERTISED_URL` (what peers can reach).
 *
 * The topic is input like any other: a record that is not well formed (JSON,
 * an http(s) origin, task ids) is ignored and logged, and — with a cluster
 * secret — so is one whose signature does not verify. Only signed records are
 * ever forwarded to (auth/cluster.ts).
 */

import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Pipeline } from '../../topology/model.js';
import type { LogRecord, Transport } from '../../transports/types.js';
import type { ClusterAuth } from '../auth/cluster.js';
import type { Publisher } from '../publish/publisher.js';
import { parseRecord } from './registry-record.js';

export interface InstanceInfo {
  instance: string;
  /** An http(s) origin (`scheme://host:port`), or null when the instance has none yet. */
  url: string | null;
  tasks: string[];
  at: number;
  /** Whether the record's signature verified with the cluster secret. */
  trusted: boolean;
}

export interface InstanceRegistryOptions {
  pipeline: Pipeline;
  transport: Transport;
  publisher: Publisher;
  instanceId: string;
  advertisedUrl?: string;
  cluster: ClusterAuth;
  /** The tasks running here right now. */
  tasks: () => string[];
  logger: Logger;
  intervalMs?: number;
  now?: () => number;
}

export class InstanceRegistry {
  readonly topic: string;
  private readonly peers = new Map<string, InstanceInfo>();
  private timer?: NodeJS.Timeout;
  private lastSignature = '';
  private lastBeat = 0;
  private readonly interval: number;
  private readonly now: () => number;
  /** Records refused (malformed or unsigned), for tests and the log. */
  refused = 0;

  constructor(private readonly options: InstanceRegistryOptions) {
    this.topic = `${options.pipeline.app}-gateway-instances`;
    this.interval = options.intervalMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  async ensureTopic(): Promise<void> {
    const admin = this.options.transport.admin();
    if ((await admin.listTopics()).some((t) => t.name === this.topic)) return;
    await admin
      .createTopics([{ name: this.topic, partitions: 1, replication: this.options.pipeline.defaults.replication, config: { 'cleanup.policy': 'compact' } }])
      .catch((err) => {
        // Another instance created it in between: fine. Anything else surfaces at assign.
        this.options.logger.debug({ err: errorMessage(err) }, 'instance registry topic: create failed');
      });
  }

  /** Records of the registry topic (the reply consumer replays it from the beginning). Never throws. */
  onRecord(record: LogRecord): void {
    if (record.key === null) return;
    if (record.value === null) {
      this.peers.delete(record.key);
      return;
    }
    const parsed = parseRecord(record.key, record.value, this.options.cluster);
    if ('problem' in parsed) {
      this.refused++;
      this.options.logger.warn({ key: record.key.slice(0, 200), offset: record.offset, problem: parsed.problem }, 'instance registry: record ignored');
      return;
    }
    this.peers.set(record.key, parsed);
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(false), Math.min(1_000, this.interval));
    this.timer.unref();
    void this.beat(true);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.options.publisher
      .send({ topic: this.topic, partition: 0, key: this.options.instanceId, value: null })
      .catch((err) => this.options.logger.warn({ err: errorMessage(err) }, 'instance registry: tombstone failed'));
  }

  /** Sets the advertised URL when none was configured (the address `listen` got) and announces it. */
  advertise(url: string): void {
    if (this.options.advertisedUrl) return;
    this.options.advertisedUrl = url;
    if (this.timer) void this.beat(true);
  }

  /** The live instance (other than this one) that runs `taskId`. */
  ownerOf(taskId: string): InstanceInfo | undefined {
    const fresh = this.now() - 3 * this.interval;
    for (const info of this.peers.values()) {
      if (info.instance !== this.options.instanceId && info.at >= fresh && info.tasks.includes(taskId)) return info;
    }
    return undefined;
  }

  instances(): InstanceInfo[] {
    return [...this.peers.values()];
  }

  /** The other instances whose last heartbeat is recent (three intervals). */
  livePeers(): InstanceInfo[] {
    const fresh = this.now() - 3 * this.interval;
    return [...this.peers.values()].filter((i) => i.instance !== this.options.instanceId && i.at >= fresh);
  }

  /** Publishes when the tasks changed, or as a heartbeat. */
  private async beat(force: boolean): Promise<void> {
    const tasks = this.options.tasks().sort();
    const signature = tasks.join(',');
    const t = this.now();
    if (!force && signature === this.lastSignature && t - this.lastBeat < this.interval) return;
    this.lastSignature = signature;
    this.lastBeat = t;
    const fields = { instance: this.options.instanceId, url: this.options.advertisedUrl ?? null, tasks, at: t };
    const value = { ...fields, sig: this.options.cluster.signRecord(fields) };
    try {
      await this.options.publisher.send({ topic: this.topic, partition: 0, key: fields.instance, value: Buffer.from(JSON.stringify(value)), timestamp: t });
    } catch (err) {
      this.lastSignature = '';
      this.options.logger.warn({ err: errorMessage(err) }, 'instance registry: heartbeat failed');
    }
  }
}
