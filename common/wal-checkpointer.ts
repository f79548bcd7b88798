/**
 * WAL checkpoints off the event loop. In WAL mode SQLite copies the log back
 * into the database file (a checkpoint) from inside the COMMIT that makes the
 * log reach `wal_autocheckpoint` pages (1,000 by default): that commit writes
 * megabytes and fsyncs twice, synchronously, on the thread that committed. In
 * the gateway's load test (docs/benchmarks.md, "The embedded tail") its
 * database checkpointed about twice a second and each one blocked the event
 * loop for 10–65 ms: the tail of every status and chunk behind it.
 *
 * Here a worker thread with its own connection to the same file runs a
 * PASSIVE checkpoint every `intervalMs` (a no-op, no fsync, when nothing new is
 * in the log). A passive checkpoint never blocks the writer: it copies what is
 * committed while the writer goes on appending; the writer starts the log over
 * once everything was copied. The writer's own automatic checkpoint is not
 * turned off but raised to `fallbackBytes` of log: if the worker cannot keep up
 * (or dies), the log is still checkpointed, on the writer's thread, as before.
 * Durability is unchanged: the same checkpoints, with the same fsyncs, run on
 * another thread. Left on the writer's thread: the fsync of the log's header
 * when it starts over (at most once per checkpoint).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints (ms). Default 1000. */
  intervalMs?: number;
  /** The writer's own automatic checkpoint meanwhile, in bytes of log (the fallback). Default 64 MiB. */
  fallbackBytes?: number;
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1000;
export const DEFAULT_FALLBACK_BYTES = 64 * 1024 * 1024;

export interface WalCheckpointer {
  /** Checkpoints of the worker that copied something (approximately: a diagnostic). */
  readonly checkpoints: number;
  /**
   * Releases this handle; the last one of a database stops the worker (after its checkpoint in
   * progress) and gives the writer its automatic checkpoint back as it was.
   */
  close(): Promise<void>;
}

/** Plain JavaScript, evaluated in the worker (no TypeScript loader there). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.checkpointed > 0 && r.checkpointed !== workerData.last) parentPort.postMessage(r.checkpointed);
    workerData.last = r ? r.checkpointed : 0;
  } catch {
    // Busy or locked: the next turn tries again.
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

interface Shared {
  refs: number;
  checkpoints: number;
  stop: () => Promise<void>;
}

/** One worker per database, however many components start one (an app and its reload, a gateway). */
const running = new WeakMap<Database.Database, Shared>();

/**
 * Starts checkpointing `file` (the database `db` writes) on a worker thread; nothing to do for an
 * in-memory database. Several calls for the same `db` share one worker.
 */
export function startWalCheckpointer(db: Database.Database, file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  if (db.memory || file === ':memory:' || file === '' || file.startsWith('file:')) return { checkpoints: 0, close: async () => undefined };
  let shared = running.get(db);
  if (!shared) {
    shared = launch(db, file, options);
    running.set(db, shared);
  }
  shared.refs++;
  const s = shared;
  let closed = false;
  return {
    get checkpoints() {
      return s.checkpoints;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (--s.refs > 0) return;
      running.delete(db);
      await s.stop();
    },
  };
}

function launch(db: Database.Database, file: string, options: WalCheckpointerOptions): Shared {
  const before = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`wal_autocheckpoint = ${Math.max(before, Math.ceil((options.fallbackBytes ?? DEFAULT_FALLBACK_BYTES) / pageSize))}`);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driver, file, intervalMs: options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS, last: 0 },
  });
  // Never what keeps a process alive; a worker that fails leaves the fallback in charge.
  worker.unref();
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const shared: Shared = {
    refs: 0,
    checkpoints: 0,
    stop: async () => {
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2_000);
      await exited;
      clearTimeout(timeout);
      if (db.open) db.pragma(`wal_autocheckpoint = ${before}`);
    },
  };
  worker.on('message', () => shared.checkpoints++);
  return shared;
}
