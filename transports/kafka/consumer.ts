/**
 * Consumer over librdkafka's callback-style `KafkaConsumer`.
 *
 * Why this API and not the KafkaJS shim: the engine pulls (`poll(max, timeout)`),
 * and `consume(n)` with "timeout only for the first message" is exactly that,
 * one native call per batch. Rebalances: with a *function* `rebalance_cb`,
 * librdkafka leaves the group state machine waiting (WAIT_ASSIGN_CALL /
 * WAIT_UNASSIGN_CALL) until we call (incremental_)assign/unassign ourselves,
 * so we can await the engine's async `onRevoked` (commit while the generation
 * is still valid) before unassigning, and `onAssigned` (restores) before
 * `poll` returns anything — the same trick the KafkaJS shim uses internally.
 * librdkafka hands rebalances over only from inside a consume call, so that
 * work runs inside `poll` — never while the engine processes a batch.
 *
 * Read-ahead (ConsumerOptions.readAhead, the engine's group consumer; see
 * consumer-read-ahead.ts): when a poll hands a batch out, the next consume
 * call starts at once. A rebalance that call delivers is held until the
 * engine says it may run (`quiesce()`, between processing a batch and
 * committing it) or the next poll: held until the next poll only, it
 * deadlocked a commit that cannot succeed before that rebalance is served.
 * librdkafka's position (the lag metric) may then be one batch ahead of the
 * engine.
 *
 * Group membership, for rolling restarts without restores:
 *  - cooperative-sticky (incremental rebalancing): a rebalance takes away only
 *    the partitions that move; the other tasks keep running and keep their
 *    state. Co-partitioned topics are kept together by copartition.ts.
 *  - static membership (`group.instance.id` = AURA_INSTANCE_ID): a member that
 *    stops does not leave the group; restarted within the session timeout it
 *    gets its own partitions back without any rebalance, and its local state
 *    and checkpoint are current, so nothing is restored. The session timeout
 *    is longer then (30 s by default), since it is also how long a crashed
 *    instance's partitions wait before they move.
 */

import type rdkafka from '@confluentinc/kafka-javascript';
import type { Assignment, LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Consumer, ConsumerOptions, LogRecord, RebalanceListener, TopicPartition, TopicPartitionOffset } from '../types.js';
import type { KafkaAdmin } from './admin.js';
import { bindingConsumer, type NativeConsumer, type Untyped } from './consumer-binding.js';
import { partitionKey as key, ReadAhead, readAheadEnabled } from './consumer-read-ahead.js';
import { committedWithRetry, toRecord } from './consumer-records.js';
import { CopartitionPlan } from './copartition.js';
import { call, consumerFatalError, RD_ERRORS, toAuraError } from './errors.js';
import { ALL_BROKERS_DOWN, Reachability } from './reachability.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const plain = (tp: TopicPartition): TopicPartition => ({ topic: tp.topic, partition: tp.partition });

export class KafkaConsumerAdapter implements Consumer {
  private readonly client: rdkafka.KafkaConsumer;
  private ready: Promise<void> | undefined;
  private listener: RebalanceListener | undefined;
  /** Rebalance work runs in order on this chain; poll awaits it. */
  private rebalancing: Promise<void> = Promise.resolve();
  private rebalanceError: unknown;
  /** The consumer's fatal error (consumerFatalError), once seen. */
  private fatal: AuraError | undefined;
  private current: TopicPartition[] = [];
  /**
   * Positions we know better than librdkafka: an explicit assign/seek offset, with librdkafka's
   * own position at that moment (`stale`). librdkafka reports no position until its first fetch
   * after an assign/seek, and the old one until it applied the seek; once its position is valid
   * and differs from `stale`, it is the truth — it also moves past transaction markers and
   * aborted records that are never handed out (a restore from a checkpoint that points at a
   * commit marker only ends because of that).
   */
  private explicit = new Map<string, { offset: number; stale: number | undefined }>();
  private closed = false;
  private rebalanceSeq = 0;
  private seenSeq = 0;
  private plan = new CopartitionPlan([]);
  /** The read-ahead: the next batch's consume call, started when a poll hands a batch out. */
  private ahead: ReadAhead | undefined;
  /** True while the engine may be processing a batch with a read-ahead started: rebalance work is held. */
  private holding = false;
  /** Rebalance work delivered while `holding`, run by quiesce() or the next poll. */
  private held: Array<() => Promise<void>> = [];
  /** The binding's native consumer when it has the expected call (see NativeConsumer), else the public API. */
  private readonly native: NativeConsumer | undefined;
  /** ConsumerOptions.readAhead, and only with AURA_KAFKA_READ_AHEAD=1 (consumer-read-ahead.ts says why). */
  private readonly readsAhead: boolean;

  constructor(
    base: Record<string, string | number | boolean>,
    private readonly options: ConsumerOptions,
    private readonly admin: KafkaAdmin,
    /** Shared by the transport's clients (see reachability.ts). */
    private readonly reachability = new Reachability(),
  ) {
    this.readsAhead = Boolean(options.readAhead && options.groupId) && readAheadEnabled();
    const { client, native } = bindingConsumer(base, options, (err, assignment) => this.onRebalance(err, assignment));
    this.client = client;
    this.native = native;
    // Errors surface through the calls that fail; the one kept is "no broker at all" (for readiness).
    // The binding hands these events over as plain messages, without librdkafka's code.
    this.client.on('event.error', (err: LibrdKafkaError) => {
      if (ALL_BROKERS_DOWN.test(err.message)) this.reachability.lost(err.message);
    });
  }

  connect(): Promise<void> {
    this.ready ??= call('consumer connect', (cb) => this.client.connect({ timeout: 15_000 }, (err) => cb(err as LibrdKafkaError)));
    return this.ready;
  }

  async subscribe(topics: string[], listener: RebalanceListener): Promise<void> {
    this.requireGroup('subscribe');
    await this.connect();
    this.listener = listener;
    this.plan = new CopartitionPlan(topics, this.options.copartitioned);
    this.client.subscribe(this.plan.subscribed);
  }

  async assign(partitions: TopicPartitionOffset[]): Promise<void> {
    await this.connect();
    // A negative offset means "no explicit position": committed offset, else auto.offset.reset (RD_KAFKA_OFFSET_STORED).
    this.client.assign(partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset >= 0 ? p.offset : -1000 })));
    this.current = partitions.map(plain);
    // A fresh assignment: librdkafka has no position yet, so any valid one it reports later is fresh.
    this.explicit = new Map(partitions.filter((p) => p.offset >= 0).map((p) => [key(p), { offset: p.offset, stale: undefined }]));
  }

  async unassign(): Promise<void> {
    await this.connect();
    if (this.listener) {
      this.client.unsubscribe();
      this.listener = undefined;
    }
    this.client.unassign();
    for (const tp of this.current) this.ahead?.touch(tp);
    this.current = [];
    this.explicit.clear();
  }

  async poll(max: number, timeoutMs: number): Promise<LogRecord[]> {
    this.assertOpen();
    await this.connect();
    this.release();
    await this.settleRebalance();
    let messages: Message[] = [];
    let since = this.rebalanceSeq;
    const ahead = this.ahead;
    if (ahead) {
      since = ahead.seq;
      messages = await ahead.messages;
      await nextTurn(); // rebalance callbacks its call sent are dispatched by then (uv async handles)
      await this.settleRebalance(); // still this.ahead meanwhile: the rebalances its call delivered touch it
      this.ahead = undefined;
      const { kept, seeks } = ahead.settle(messages, new Set(this.current.map(key)));
      for (const tp of seeks) this.seek(tp);
      messages = kept;
    }
    if (messages.length === 0) {
      since = this.rebalanceSeq;
      messages = await this.consume(max, timeoutMs);
    }
    // Rebalance callbacks are dispatched from the consume call; the batch is only handed out once they ran.
    await this.settleRebalance();
    const owned = this.rebalanceSeq !== since ? new Set(this.current.map(key)) : undefined;
    // While the engine processes this batch, a worker thread takes the next one off librdkafka's queue.
    if (messages.length > 0 && this.readsAhead && this.listener && !this.closed) {
      this.holding = true;
      this.ahead = this.readAhead(max);
    }
    const out: LogRecord[] = [];
    for (const m of messages) {
      if (owned && !owned.has(key(m))) continue; // fetched before a revoke
      out.push(toRecord(m));
    }
    // Once a partition's record is handed out, librdkafka's position is the truth (see `explicit`).
    if (this.explicit.size > 0) for (const r of out) this.explicit.delete(key(r));
    return out;
  }

  /**
   * Between processing a batch and committing it (the engine's call): waits for the read-ahead's
   * consume call and runs the rebalance work it delivered, so that a commit never waits for a
   * rebalance that only a poll would serve. Its messages stay for the next poll. Rebalance errors
   * surface from the next poll, as without a read-ahead.
   */
  async quiesce(): Promise<void> {
    if (!this.holding) return;
    await this.ahead?.messages;
    await nextTurn();
    this.release();
    for (let chain = this.rebalancing; ; chain = this.rebalancing) {
      await chain;
      if (chain === this.rebalancing) break;
    }
  }

  /** Ends `holding`: held rebalance work goes onto the chain, in order. */
  private release(): void {
    this.holding = false;
    for (let job = this.held.shift(); job; job = this.held.shift()) this.rebalancing = this.rebalancing.then(job);
  }

  /**
   * A consume call for what librdkafka already holds (no wait), started ahead of the next poll:
   * taking a batch off librdkafka's queue is ~8 µs a message on a worker thread, which the engine
   * thread otherwise waits for.
   */
  private readAhead(max: number): ReadAhead {
    return new ReadAhead(
      this.consume(max, 0).catch(() => [] as Message[]),
      this.rebalanceSeq,
    );
  }

  /** Up to `max` messages in one native call, waiting `timeoutMs` for the first only. */
  private consume(max: number, timeoutMs: number): Promise<Message[]> {
    return new Promise<Message[]>((resolve, reject) => {
      if (this.fatal) return reject(this.fatal);
      const done = (err: LibrdKafkaError | null, msgs: Message[]) => (err ? reject(this.pollError(err)) : resolve(msgs));
      if (this.native) this.native.consume(timeoutMs, max, true, done);
      else {
        this.client.setDefaultConsumeTimeout(timeoutMs);
        this.client.consume(max, done);
      }
    });
  }

  /** librdkafka reports a consumer's fatal error once; every later poll fails with it too. */
  private pollError(err: LibrdKafkaError): AuraError {
    const fatal = consumerFatalError(err, 'poll', this.options.groupId ? this.options.groupInstanceId : undefined);
    if (fatal) this.fatal ??= fatal;
    return fatal ?? toAuraError(err, 'poll');
  }

  seek(tp: TopicPartitionOffset): void {
    this.ahead?.touch(tp, { topic: tp.topic, partition: tp.partition, offset: tp.offset });
    this.client.seek({ topic: tp.topic, partition: tp.partition, offset: tp.offset }, 0, () => undefined);
    this.explicit.set(key(tp), { offset: tp.offset, stale: this.rawPosition(tp) });
  }

  position(tp: TopicPartition): number | undefined {
    if (!this.current.some((c) => c.topic === tp.topic && c.partition === tp.partition)) return undefined;
    // librdkafka's app position moves past transaction markers, like Java's.
    const raw = this.rawPosition(tp);
    const known = this.explicit.get(key(tp));
    if (!known) return raw;
    if (raw === undefined || raw === known.stale) return known.offset;
    this.explicit.delete(key(tp));
    return raw;
  }

  private rawPosition(tp: TopicPartition): number | undefined {
    if (!this.client.isConnected()) return undefined;
    const [p] = this.client.position([plain(tp)]);
    return p && typeof p.offset === 'number' && p.offset >= 0 ? p.offset : undefined;
  }

  pause(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.client.pause(partitions.map(plain));
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length > 0) this.client.resume(partitions.map(plain));
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    this.requireGroup('commit');
    await this.connect();
    if (offsets.length === 0) return;
    const list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    // commitCb: asynchronous with completion (commitSync would block the event loop for a round trip).
    await call('commit', (cb) => (this.client as unknown as Untyped).commitCb(list, cb));
    this.reached();
  }

  async committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.requireGroup('committed');
    await this.connect();
    if (partitions.length === 0) return [];
    const res = await committedWithRetry(() => call<TopicPartitionOffset[]>('committed', (cb) => this.client.committed(partitions.map(plain), 10_000, cb)));
    this.reached();
    const byKey = new Map(res.map((r) => [key(r), r.offset]));
    // librdkafka reports "none" as -1001 (OFFSET_INVALID); the engine expects -1 like the embedded log.
    return partitions.map((p) => ({ ...plain(p), offset: Math.max(byKey.get(key(p)) ?? -1, -1) }));
  }

  /** ListOffsets(latest) with the consumer's isolation level: the LSO under read_committed, the high watermark otherwise. */
  async endOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const ends = await this.admin.listOffsets(partitions, 'latest', this.options.isolation);
    this.reached();
    return ends;
  }

  async beginningOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const starts = await this.admin.listOffsets(partitions, 'earliest', this.options.isolation);
    this.reached();
    return starts;
  }

  unreachableSince(): { since: number; error: string } | undefined {
    return this.reachability.unreachableSince();
  }

  private reached(): void {
    this.reachability.reached();
  }

  /** The librdkafka consumer itself: the producer reads the group generation from it in sendOffsetsToTransaction. */
  groupMetadata(): unknown {
    return this.client;
  }

  assignment(): TopicPartition[] {
    return this.current.map(plain);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ready) return;
    await this.ready.catch(() => undefined);
    await this.ahead?.messages;
    await nextTurn();
    // Held rebalance work still runs (the listener is not called any more: it only releases).
    this.release();
    await this.settleRebalance().catch(() => undefined);
    if (!this.client.isConnected()) return;
    // disconnect() closes the consumer, which leaves the group; librdkafka serves the final revoke itself.
    await new Promise<void>((resolve) => this.client.disconnect(() => resolve()));
  }

  private onRebalance(err: LibrdKafkaError, assignment: Assignment[]): void {
    const raw = this.client as unknown as Untyped;
    // Cooperative unless another member forced the group onto an eager protocol.
    const incremental = raw.rebalanceProtocol() === 'COOPERATIVE';
    const tps = this.plan.expand(assignment.map(plain));
    const assigning = err.code === RD_ERRORS.ERR__ASSIGN_PARTITIONS;
    const lost = !assigning && raw.assignmentLost();
    this.rebalanceSeq++;
    for (const tp of tps) this.ahead?.touch(tp);
    const job = async () => {
      let released = false;
      const release = () => {
        if (released || !this.client.isConnected()) return;
        released = true;
        if (incremental) raw.incrementalUnassign(tps);
        else this.client.unassign();
        this.current = incremental ? this.current.filter((c) => !tps.some((t) => key(t) === key(c))) : [];
        for (const tp of tps) this.explicit.delete(key(tp));
      };
      try {
        if (assigning) {
          // Assign first so that seeks inside onAssigned apply; nothing is handed out before it resolves.
          if (incremental) raw.incrementalAssign(tps);
          else this.client.assign(tps);
          this.current = incremental ? [...this.current.filter((c) => !tps.some((t) => key(t) === key(c))), ...tps] : tps;
          for (const tp of tps) this.explicit.delete(key(tp));
          if (!this.closed) await this.listener?.onAssigned(tps);
        } else {
          if (!this.closed && this.listener) {
            if (lost && this.listener.onLost) await this.listener.onLost(tps);
            else await this.listener.onRevoked(tps);
          }
          release();
        }
      } catch (e) {
        // The group must still move on (else every member waits for us); the error surfaces from the next poll.
        if (!assigning) release();
        this.rebalanceError ??= e;
      }
    };
    // Closing: librdkafka's close serves the final revoke and waits for our unassign — nothing holds it.
    if (this.holding && !this.closed) this.held.push(job);
    else this.rebalancing = this.rebalancing.then(job);
  }

  /** Awaits queued rebalance work (including work queued meanwhile); true when any happened since the last call. */
  private async settleRebalance(): Promise<boolean> {
    for (let chain = this.rebalancing; ; chain = this.rebalancing) {
      await chain;
      if (chain === this.rebalancing) break;
    }
    const ran = this.rebalanceSeq !== this.seenSeq;
    this.seenSeq = this.rebalanceSeq;
    if (this.rebalanceError) {
      const e = this.rebalanceError;
      this.rebalanceError = undefined;
      throw e instanceof AuraError ? e : new AuraError(ErrorCodes.TRANSPORT_FAILED, `rebalance listener failed: ${(e as Error)?.message ?? e}`, { cause: e });
    }
    return ran;
  }

  private requireGroup(what: string): void {
    if (!this.options.groupId) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: consumer has no groupId`);
  }

  private assertOpen(): void {
    if (this.closed) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, 'consumer is closed');
  }
}
