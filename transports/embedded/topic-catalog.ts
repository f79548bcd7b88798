/**
 * The topics of the embedded log, mirrored in memory: producers resolve a
 * topic and bump its partitions' log end offsets on every append, so those
 * live in plain objects and are written back to SQLite inside the append's
 * own transaction.
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { TopicConfig, TopicDescription } from '../types.js';
import type { Db } from './schema.js';

export interface PartitionLog {
  readonly topic: string;
  readonly topicId: number;
  readonly partition: number;
  /** Log end offset (high watermark): the offset the next appended record gets. */
  next: number;
  /** First offset written here by each open transaction; the last stable offset is their minimum. */
  readonly openTxns: Map<number, number>;
}

export interface TopicLog {
  readonly id: number;
  readonly name: string;
  readonly replication: number;
  readonly config: Readonly<Record<string, string>>;
  /** `cleanup.policy` includes compact: every record needs a key (the broker rejects null keys). */
  readonly compacted: boolean;
  readonly parts: PartitionLog[];
  /** Round-robin cursor for records without key. */
  rr: number;
}

/** What read_committed consumers may see: everything below the first offset of any open transaction. */
export function lastStableOffset(p: PartitionLog): number {
  let lso = p.next;
  if (p.openTxns.size > 0) for (const first of p.openTxns.values()) if (first < lso) lso = first;
  return lso;
}

// Kafka's rule for topic names (Topic.validate).
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export class TopicCatalog {
  private readonly topics = new Map<string, TopicLog>();
  private readonly insertPartition;

  constructor(private readonly db: Db) {
    this.insertPartition = db.prepare('INSERT INTO partitions (topic_id, part, next_off) VALUES (?, ?, 0)');
    const rows = db.prepare('SELECT id, name, partitions, replication, config FROM topics').all() as Array<{
      id: number;
      name: string;
      partitions: number;
      replication: number;
      config: string;
    }>;
    const nexts = db.prepare('SELECT part, next_off FROM partitions WHERE topic_id = ? ORDER BY part');
    for (const row of rows) {
      const topic = this.build(row.id, row.name, row.replication, JSON.parse(row.config) as Record<string, string>);
      for (const { part, next_off } of nexts.all(row.id) as Array<{ part: number; next_off: number }>) {
        topic.parts.push(partitionLog(topic, part, next_off));
      }
      this.topics.set(row.name, topic);
    }
  }

  get(name: string): TopicLog | undefined {
    return this.topics.get(name);
  }

  require(name: string): TopicLog {
    const topic = this.topics.get(name);
    if (!topic) throw new AuraError(ErrorCodes.TOPIC_MISSING, `topic ${name} does not exist`, { details: { topic: name } });
    return topic;
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.parts[partition];
  }

  list(): TopicLog[] {
    return [...this.topics.values()];
  }

  describe(topic: TopicLog): TopicDescription {
    return { name: topic.name, partitions: topic.parts.length, replication: topic.replication, config: { ...topic.config } };
  }

  create(cfg: TopicConfig): TopicLog {
    validate(cfg);
    if (this.topics.has(cfg.name)) throw new AuraError(ErrorCodes.TOPIC_EXISTS, `topic ${cfg.name} already exists`, { details: { topic: cfg.name } });
    const config = { ...(cfg.config ?? {}) };
    const replication = cfg.replication ?? 1;
    const topic = this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO topics (name, partitions, replication, config) VALUES (?, ?, ?, ?)')
        .run(cfg.name, cfg.partitions, replication, JSON.stringify(config));
      const t = this.build(Number(lastInsertRowid), cfg.name, replication, config);
      for (let p = 0; p < cfg.partitions; p++) {
        this.insertPartition.run(t.id, p);
        t.parts.push(partitionLog(t, p, 0));
      }
      return t;
    })();
    this.topics.set(cfg.name, topic);
    return topic;
  }

  /** Raises the partition count; like Kafka, it can never shrink (keys would move under consumers' feet). */
  addPartitions(name: string, count: number): TopicLog {
    const topic = this.require(name);
    if (!Number.isInteger(count) || count <= topic.parts.length) {
      throw new AuraError(ErrorCodes.TOPIC_UNSAFE_CHANGE, `topic ${name} has ${topic.parts.length} partitions; it can only grow (asked for ${count})`, {
        details: { topic: name, partitions: topic.parts.length, requested: count },
      });
    }
    this.db.transaction(() => {
      this.db.prepare('UPDATE topics SET partitions = ? WHERE id = ?').run(count, topic.id);
      for (let p = topic.parts.length; p < count; p++) this.insertPartition.run(topic.id, p);
    })();
    for (let p = topic.parts.length; p < count; p++) topic.parts.push(partitionLog(topic, p, 0));
    return topic;
  }

  /** Drops the topic with its records, open-transaction bookkeeping and committed offsets. */
  delete(name: string): TopicLog {
    const topic = this.require(name);
    this.db.transaction(() => {
      for (const table of ['batches', 'partitions', 'txn_partitions']) this.db.prepare(`DELETE FROM ${table} WHERE topic_id = ?`).run(topic.id);
      this.db.prepare('DELETE FROM committed_offsets WHERE topic = ?').run(name);
      this.db.prepare('DELETE FROM topics WHERE id = ?').run(topic.id);
    })();
    this.topics.delete(name);
    for (const p of topic.parts) p.openTxns.clear();
    return topic;
  }

  private build(id: number, name: string, replication: number, config: Record<string, string>): TopicLog {
    const compacted = (config['cleanup.policy'] ?? 'delete')
      .split(',')
      .map((s) => s.trim())
      .includes('compact');
    return { id, name, replication, config: Object.freeze(config), compacted, parts: [], rr: Math.floor(Math.random() * 1024) };
  }
}

function partitionLog(topic: TopicLog, partition: number, next: number): PartitionLog {
  return { topic: topic.name, topicId: topic.id, partition, next, openTxns: new Map() };
}

function validate(cfg: TopicConfig): void {
  const problems: string[] = [];
  if (typeof cfg.name !== 'string' || !TOPIC_NAME.test(cfg.name) || cfg.name === '.' || cfg.name === '..') {
    problems.push(`invalid topic name ${JSON.stringify(cfg.name)} (letters, digits, '.', '_', '-'; at most 249)`);
  }
  if (!Number.isInteger(cfg.partitions) || cfg.partitions < 1) problems.push(`partitions must be a positive integer, got ${cfg.partitions}`);
  for (const [k, v] of Object.entries(cfg.config ?? {})) if (typeof v !== 'string') problems.push(`config ${k} must be a string`);
  const policy = cfg.config?.['cleanup.policy'];
  if (policy !== undefined && !policy.split(',').every((s) => ['delete', 'compact'].includes(s.trim()))) {
    problems.push(`cleanup.policy must be delete, compact or "compact,delete", got ${policy}`);
  }
  if (problems.length > 0) throw new AuraError(ErrorCodes.CONFIG_INVALID, `topic ${cfg.name}: ${problems.join('; ')}`, { details: { topic: cfg.name } });
}
