/**
 * Stream threads (Kafka Streams' `num.stream.threads`): one `aura run` runs
 * its pipeline in N stream threads (stream-thread-worker.ts), each a full
 * member of the pipeline's consumer group with its own consumer, its own
 * transactional producer (EOS v2: one transactional id per thread, stable
 * across restarts so that a restarted process fences its zombie threads, see
 * threadIds()), its own tasks and their state. The group spreads the
 * partitions over the threads as it does over processes, so N threads use N
 * cores for the JavaScript work (decode, fold, encode) that one thread does
 * alone otherwise.
 *
 * Thread 1 normally runs in this process (`local`); the others are child
 * processes, not worker threads: the Kafka client's native addon
 * (@confluentinc/kafka-javascript, registered with NODE_MODULE) is not
 * context-aware, so a worker thread cannot load it a second time ("Module did
 * not self-register"). A process has its own librdkafka, as a thread would.
 * The children inherit stdout/stderr (their log lines carry `thread`), ignore
 * stop signals (this process forwards them, so each stops in order) and end
 * at once when this process dies (stream-thread-worker.ts).
 *
 * State: the threads share the state directory, which holds one directory per
 * task (`<stateDir>/<app>/<taskId>`), never per thread — as in Kafka Streams.
 * A task that moves to another thread (a rebalance) opens the same local state
 * and checkpoint there; the group's cooperative protocol revokes it from its
 * old thread (which commits and closes it) before it assigns it again.
 *
 * This side starts the threads, forwards a stop (each commits and
 * leaves the group), and when one fails or dies, stops the others cleanly and
 * reports that failure through `done` — Kafka Streams' SHUTDOWN_CLIENT: the
 * process ends with an error and its supervisor (systemd, Kubernetes)
 * restarts it, as it does when the single engine of a one-thread process fails.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { Pipeline } from '../topology/model.js';
import type { PipelineApp } from './app.js';
import { type FromThread, fromWire, type StreamThreadData, threadIds } from './stream-thread-protocol.js';

const ENTRY = new URL('./stream-thread-worker.mjs', import.meta.url);
/** A thread's local Node flags: none of this process's (a test runner's loaders, inspector). */
const EXEC_ARGV: string[] = [];
/** How long a thread may take to exit after its last message before it is terminated. */
const EXIT_GRACE_MS = 10_000;

export interface StreamThreadsOptions {
  threads: number;
  pipeline: Pipeline;
  /** What the Kafka settings are read from (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  stateDir: string;
  /** The process's instance id and static membership id; each thread derives its own (threadIds()). */
  instanceId: string;
  groupInstanceId?: string;
  logger: Logger;
  /** The threads' log level (default: AURA_LOG_LEVEL, as the process's). */
  logLevel?: string;
  /**
   * Thread 1, in this process: the app the caller built with the process's own ids (the other
   * threads are child processes). It starts at once, as a one-thread process does, and the
   * others join the group while it already processes: the child processes' start-up (loading
   * the sources, ~1–3 s of CPU) costs no idle time. Without it every thread is a child process.
   */
  local?: PipelineApp;
}

export type ThreadState = 'starting' | 'running' | 'stopped' | 'failed';

export interface ThreadStatus {
  thread: number;
  state: ThreadState;
  /** The tasks it owned when it started (its log says `partitions assigned` at each rebalance). */
  tasks: string[];
}

interface Slot extends ThreadStatus {
  /** Absent for the thread in this process. */
  child?: ChildProcess;
  stop(): void;
  /** Settles when the thread has ended, with its error when it failed. */
  ended: Promise<AuraError | undefined>;
  ready: Promise<void>;
  started: Promise<void>;
}

export class StreamThreads {
  private readonly slots: Slot[] = [];
  private stopRequested = false;
  private firstFailure: AuraError | undefined;
  private finished: Promise<void> | undefined;

  constructor(private readonly options: StreamThreadsOptions) {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) {
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `stream threads must be a positive integer, got ${options.threads}`);
    }
  }

  /** Resolves when every thread runs; when one cannot start, stops the others and rejects with why. */
  async start(): Promise<void> {
    const { local, threads } = this.options;
    // The child processes first: they load while the local thread starts.
    for (let n = local ? 2 : 1; n <= threads; n++) this.slots.push(this.spawn(n));
    if (local) this.slots.unshift(this.inProcess(local));
    this.finished = Promise.all(this.slots.map((s) => s.ended)).then(() => {
      if (this.firstFailure) throw this.firstFailure;
    });
    this.finished.catch(() => undefined); // observed through `done`
    try {
      await Promise.all(this.slots.map((s) => s.ready));
      for (const s of this.slots) if (s.child?.connected) s.child.send({ type: 'go' });
      await Promise.all(this.slots.map((s) => s.started));
    } catch (err) {
      await this.stop();
      // The thread that failed first says why, not one stopped because of it.
      throw this.firstFailure ?? err;
    }
    this.options.logger.info({ threads: this.status() }, 'stream threads running');
  }

  /** Resolves when every thread stopped on request; rejects with the first thread's failure. */
  get done(): Promise<void> {
    if (!this.finished) throw new AuraError(ErrorCodes.CONFIG_INVALID, 'stream threads not started');
    return this.finished;
  }

  /** The first failure, once there is one (benches check it while they wait). */
  get failure(): AuraError | undefined {
    return this.firstFailure;
  }

  status(): ThreadStatus[] {
    return this.slots.map(({ thread, state, tasks }) => ({ thread, state, tasks }));
  }

  /** Asks every thread to stop (each commits what it processed and leaves the group) and waits for them. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    for (const s of this.slots) if (s.state === 'starting' || s.state === 'running') s.stop();
    await Promise.all(this.slots.map((s) => s.ended));
  }

  private spawn(thread: number): Slot {
    const o = this.options;
    const data: StreamThreadData = {
      thread,
      pipeline: o.pipeline,
      env: { ...(o.env ?? process.env) },
      stateDir: o.stateDir,
      ...threadIds(o, thread),
      // Created (if asked) by the caller before the threads start: N creators would race.
      topics: 'check',
      logLevel: o.logLevel,
    };
    // The entry loads its TypeScript itself (tsx), whatever flags started this process.
    const child = fork(ENTRY, [], { env: data.env, execArgv: EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    child.send({ type: 'init', data });
    let started!: { resolve(): void; reject(e: unknown): void };
    let ready!: { resolve(): void; reject(e: unknown): void };
    const slot: Slot = {
      thread,
      state: 'starting',
      tasks: [],
      child,
      stop: () => {
        if (child.connected) child.send({ type: 'stop' });
      },
      ready: new Promise<void>((resolve, reject) => (ready = { resolve, reject })),
      started: new Promise<void>((resolve, reject) => (started = { resolve, reject })),
      ended: Promise.resolve(undefined),
    };
    slot.ready.catch(() => undefined); // observed by start()
    slot.started.catch(() => undefined);
    let last: FromThread | undefined;
    let crash: Error | undefined;
    child.on('message', (m: FromThread) => {
      if (m.type === 'ready') return ready.resolve();
      if (m.type === 'started') {
        slot.state = 'running';
        slot.tasks = m.tasks;
        started.resolve();
        return;
      }
      last = m;
      // Its clients are closed: it ends on its own; one that does not (a stuck handle) is ended.
      setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS).unref();
    });
    child.on('error', (err) => void (crash = err));
    slot.ended = new Promise<AuraError | undefined>((resolve) =>
      child.once('exit', (code, signal) => {
        const failure =
          last?.type === 'failed'
            ? fromWire(thread, last.error)
            : last?.type === 'stopped'
              ? undefined
              : new AuraError(
                  ErrorCodes.PROCESSOR_FAILED,
                  `stream thread ${thread} (pid ${child.pid}) died (${signal ? `signal ${signal}` : `exit code ${code}`})${crash ? `: ${crash.message}` : ''} before it stopped`,
                  { cause: crash, details: { thread } },
                );
        slot.state = failure ? 'failed' : 'stopped';
        const early = failure ?? new AuraError(ErrorCodes.PROCESSOR_FAILED, `stream thread ${thread} stopped before it started`);
        ready.reject(early);
        started.reject(early);
        if (failure) this.onFailure(failure);
        resolve(failure);
      }),
    );
    return slot;
  }

  /** Thread 1 in this process: its engine's start and end are the thread's. */
  private inProcess(app: PipelineApp): Slot {
    const started = app.start();
    started.catch(() => undefined); // observed by start() and `ended`
    const slot: Slot = {
      thread: 1,
      state: 'starting',
      tasks: [],
      ready: Promise.resolve(),
      started,
      ended: Promise.resolve(undefined),
      // A stop while it starts waits for the start (an engine stopped before it ran would run anyway).
      stop: () =>
        void started.then(
          () => app.stop(),
          () => undefined,
        ),
    };
    void started.then(() => {
      slot.state = 'running';
      slot.tasks = [...app.engine.tasks.keys()];
    });
    slot.ended = started
      .then(() => app.engine.done)
      .then(
        () => {
          slot.state = 'stopped';
          return undefined;
        },
        (err: unknown) => {
          const failure = new AuraError(err instanceof AuraError ? err.code : ErrorCodes.PROCESSOR_FAILED, `stream thread 1: ${errorMessage(err)}`, {
            cause: err,
            details: { thread: 1 },
          });
          slot.state = 'failed';
          this.onFailure(failure);
          return failure;
        },
      );
    return slot;
  }

  /** One thread failed: the others stop cleanly, and `done` reports this failure (the first one). */
  private onFailure(failure: AuraError): void {
    this.options.logger.error({ err: failure.message, code: failure.code, thread: failure.details?.thread }, 'stream thread failed: stopping the others');
    this.firstFailure ??= failure;
    if (!this.stopRequested) void this.stop();
  }
}
