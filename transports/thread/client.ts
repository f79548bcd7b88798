/**
 * A Transport whose log lives in another thread (host.ts serves it there): the producer, the
 * admin and assign-mode consumers as requests over a MessagePort. What the Consumer interface
 * answers synchronously is kept here: `assignment()` from the assigns, `position()` from the
 * positions each poll brings back and the seeks made since. Group consumers are not served (their
 * rebalance callbacks would have to cross threads while the coordinator waits): the pipeline's
 * engine runs beside the log. When the port's other side goes away (`fail`), every pending and
 * later call rejects with TRANSPORT_FAILED.
 */
import type { MessagePort } from 'node:worker_threads';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { partitionForKey } from '../murmur2.js';
import type { Admin, Consumer, ConsumerOptions, LogRecord, Producer, ProducerOptions, TopicPartition, TopicPartitionOffset, Transport } from '../types.js';
import { asBuffer, fromWire, type PollAnswer, type Request, type Response } from './protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class ThreadTransport implements Transport {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure?: AuraError;

  constructor(
    private readonly port: MessagePort,
    readonly kind: Transport['kind'] = 'embedded',
  ) {
    port.on('message', (r: Response) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(fromWire(r.error));
    });
  }

  /** The other side is gone (its thread exited): every pending and later call rejects with `err`. */
  fail(err: AuraError): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** One request; resolves with the host's answer. */
  call<T>(target: number, op: string, args: unknown[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ id, target, op, args } satisfies Request);
    });
  }

  /** A request whose answer nobody waits for (seek, pause, resume): a failure shows at the next awaited call. */
  tell(target: number, op: string, args: unknown[]): void {
    this.call(target, op, args).catch(() => undefined);
  }

  connect(): Promise<void> {
    return this.call(0, 'connect');
  }

  async close(): Promise<void> {
    await this.call(0, 'close');
    // The host closes its port after this answer: nothing would answer a later call.
    this.fail(new AuraError(ErrorCodes.TRANSPORT_FAILED, 'thread transport: closed'));
  }

  /** Calls of the host's object behind `handle` (an admin, a producer), by operation name. */
  private remote(handle: Promise<number>): (op: string) => (...args: unknown[]) => Promise<unknown> {
    return (op) =>
      async (...args) =>
        this.call(await handle, op, args);
  }

  admin(): Admin {
    const on = this.remote(this.call<number>(0, 'admin'));
    return {
      listTopics: on('listTopics'),
      createTopics: on('createTopics'),
      createPartitions: on('createPartitions'),
      deleteTopics: on('deleteTopics'),
      describeGroup: on('describeGroup'),
      groupOffsets: on('groupOffsets'),
      setGroupOffsets: on('setGroupOffsets'),
      offsetsFor: on('offsetsFor'),
    } as Admin;
  }

  producer(options: ProducerOptions): Producer {
    const on = this.remote(this.call<number>(0, 'producer', [options]));
    return {
      connect: on('connect'),
      send: on('send'),
      flush: on('flush'),
      beginTransaction: on('beginTransaction'),
      // The group metadata of a consumer in this thread means nothing to the host's coordinator.
      sendOffsetsToTransaction: (offsets: TopicPartitionOffset[]) => on('sendOffsetsToTransaction')(offsets),
      commitTransaction: on('commitTransaction'),
      abortTransaction: on('abortTransaction'),
      close: on('close'),
    } as Producer;
  }

  consumer(options: ConsumerOptions): Consumer {
    return new ThreadConsumer(this, options);
  }

  partitionFor(key: string, partitions: number): number {
    return partitionForKey(key, partitions);
  }
}

const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

class ThreadConsumer implements Consumer {
  private readonly handle: Promise<number>;
  private assigned: TopicPartition[] = [];
  private readonly positions = new Map<string, number>();

  constructor(
    private readonly t: ThreadTransport,
    options: ConsumerOptions,
  ) {
    this.handle = t.call<number>(0, 'consumer', [options]);
    // A refused consumer (a group) rejects every call; nobody may be awaiting the handle yet.
    this.handle.catch(() => undefined);
  }

  private async on<T>(op: string, args: unknown[] = []): Promise<T> {
    return this.t.call<T>(await this.handle, op, args);
  }

  subscribe(): Promise<void> {
    return Promise.reject(new AuraError(ErrorCodes.TRANSPORT_FAILED, 'thread transport: group consumers (subscribe) are not served across threads'));
  }

  async assign(partitions: TopicPartitionOffset[]): Promise<void> {
    await this.on('assign', [partitions]);
    this.assigned = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    this.positions.clear();
    for (const p of partitions) this.positions.set(keyOf(p), p.offset);
  }

  async unassign(): Promise<void> {
    await this.on('unassign');
    this.assigned = [];
    this.positions.clear();
  }

  async poll(max: number, timeoutMs: number): Promise<LogRecord[]> {
    const answer = await this.on<PollAnswer>('poll', [max, timeoutMs]);
    for (const p of answer.positions) this.positions.set(keyOf(p), p.offset);
    return (answer.records as LogRecord[]).map((r) => ({ ...r, value: asBuffer(r.value) }));
  }

  seek(tp: TopicPartitionOffset): void {
    this.positions.set(keyOf(tp), tp.offset);
    void this.handle.then(
      (h) => this.t.tell(h, 'seek', [tp]),
      () => undefined,
    );
  }

  position(tp: TopicPartition): number | undefined {
    return this.positions.get(keyOf(tp));
  }

  pause(partitions: TopicPartition[]): void {
    void this.handle.then(
      (h) => this.t.tell(h, 'pause', [partitions]),
      () => undefined,
    );
  }

  resume(partitions: TopicPartition[]): void {
    void this.handle.then(
      (h) => this.t.tell(h, 'resume', [partitions]),
      () => undefined,
    );
  }

  commit(offsets: TopicPartitionOffset[]): Promise<void> {
    return this.on('commit', [offsets]);
  }

  committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return this.on('committed', [partitions]);
  }

  endOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return this.on('endOffsets', [partitions]);
  }

  beginningOffsets(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return this.on('beginningOffsets', [partitions]);
  }

  groupMetadata(): unknown {
    return undefined;
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  close(): Promise<void> {
    return this.on('close');
  }
}
