/**
 * A fixed set of MiniLM worker threads (minilm-worker.ts), each with its own
 * ONNX session, so that embedding never runs on the event loop. A request is
 * a list of texts; it goes to the worker with the fewest texts queued, and its
 * vectors come back in one transferred buffer. A worker that dies (it should
 * not: its errors are caught and answered) fails its requests and is replaced
 * at the next request. A worker keeps the process alive only while it loads
 * or has requests to answer, so a forgotten embedder does not hold a process
 * open; close() ends the workers cleanly.
 */
import { Worker } from 'node:worker_threads';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { type FromWorker, fromWire, type ToWorker } from './minilm-protocol.js';
import type { MiniLmSessionOptions } from './minilm-session.js';

const ENTRY = new URL('./minilm-worker.mjs', import.meta.url);
/** How long close() waits for a worker to release its session before terminating it. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(vectors: Float32Array): void;
  reject(err: unknown): void;
  texts: number;
}

class Slot {
  readonly worker: Worker;
  /** Resolves once the session is open; rejects when it cannot be. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  readonly pending = new Map<number, Pending>();
  queuedTexts = 0;
  alive = true;
  private loaded = false;
  private closing = false;

  constructor(options: MiniLmSessionOptions) {
    // No execArgv: the entry loads its TypeScript itself, whatever flags started this process.
    this.worker = new Worker(ENTRY, { workerData: options, execArgv: [] });
    let settle!: { resolve(): void; reject(e: unknown): void };
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.ready.catch(() => undefined); // observed by start(); a replacement's failure reaches its requests
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        this.loaded = true;
        this.updateRef();
        settle.resolve();
      } else if (m.type === 'load-failed') {
        const err = fromWire(m.error);
        settle.reject(err);
        this.fail(err);
      } else if (m.type === 'done' || m.type === 'failed') {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.queuedTexts -= p.texts;
        this.updateRef();
        if (m.type === 'done') p.resolve(m.vectors);
        else p.reject(fromWire(m.error));
      }
    });
    this.worker.on('error', (err) => {
      const e = new AuraError(ErrorCodes.PROVIDER_FAILED, `MiniLM worker failed: ${err.message}`, { cause: err, retriable: true });
      settle.reject(e);
      this.fail(e);
    });
    this.exited = new Promise<void>((resolve) =>
      this.worker.once('exit', (code) => {
        const e = new AuraError(ErrorCodes.PROVIDER_FAILED, `MiniLM worker exited (code ${code})`, { retriable: true });
        settle.reject(e);
        if (!this.closing) this.fail(e);
        resolve();
      }),
    );
  }

  request(id: number, texts: string[]): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, texts: texts.length });
      this.queuedTexts += texts.length;
      this.updateRef();
      this.post({ type: 'embed', id, texts });
    });
  }

  /** Asks the worker to release its session and exit; terminates it if it does not. */
  async close(): Promise<void> {
    this.closing = true;
    this.alive = false;
    this.post({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Referenced (holds the process) while loading or answering, not while idle. */
  private updateRef(): void {
    if (!this.loaded || this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private fail(err: unknown): void {
    this.alive = false;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.queuedTexts = 0;
    void this.worker.terminate();
  }
}

export class MiniLmWorkerPool {
  private slots: Slot[] = [];
  private nextId = 1;

  constructor(
    private readonly size: number,
    private readonly options: MiniLmSessionOptions,
  ) {}

  /** Starts the workers and waits until every one has opened its session. */
  async start(): Promise<void> {
    this.slots = Array.from({ length: this.size }, () => new Slot(this.options));
    try {
      await Promise.all(this.slots.map((s) => s.ready));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Vectors of `texts`, row after row, from the least busy worker. */
  embed(texts: string[]): Promise<Float32Array> {
    this.slots = this.slots.filter((s) => s.alive);
    while (this.slots.length < this.size) this.slots.push(new Slot(this.options));
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.queuedTexts < best.queuedTexts) best = s;
    return best.request(this.nextId++, texts);
  }

  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.close()));
  }
}
