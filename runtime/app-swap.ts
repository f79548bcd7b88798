/**
 * A pipeline app whose pipeline and engine can be replaced while what was
 * built on them keeps running — `aura serve --watch` (cli/watch-reload.ts).
 * The gateway's parts (its node sampler, /metrics, /readyz, the topology
 * page) hold the pipeline and the engine they were built with; here they hold
 * live views instead, which read through to whichever pipeline and engine run
 * now, so the gateway, its HTTP server and its WebSockets stay while the
 * engine underneath is replaced.
 *
 * A change is applied in place when it can be (apply(): the engine keeps
 * running and restarts only the tasks of the sub-topologies that changed,
 * runtime/reload-plan.ts); otherwise, or when that fails, the engine is
 * replaced whole (swap()).
 *
 * `engine.done` (what `superviseUntilDone` waits on) is the swappable app's
 * own: the planned stop of an engine being replaced does not end the process;
 * the current engine's end or failure does.
 */
import { errorMessage } from '../common/errors.js';
import type { Pipeline } from '../topology/model.js';
import type { PipelineApp } from './app.js';
import type { StreamEngine } from './engine.js';
import { planReload, type ReloadPlan } from './reload-plan.js';

/**
 * An object that reads every property from `current()` at the time of the read; methods are
 * bound to it. What holds the view sees the newest object without being told.
 */
export function liveView<T extends object>(current: () => T, overrides: Partial<Record<PropertyKey, () => unknown>> = {}): T {
  return new Proxy({} as T, {
    get(_, key) {
      const override = overrides[key];
      if (override) return override();
      const target = current();
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_, key) => key in overrides || Reflect.has(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor(_, key) {
      const d = Reflect.getOwnPropertyDescriptor(current(), key);
      return d ? { ...d, configurable: true } : undefined;
    },
  });
}

type ReadableListener = Parameters<StreamEngine['onReadable']>[0];

export interface Running {
  pipeline: Pipeline;
  app: PipelineApp;
}

/** How a pipeline was applied: in place (which task units restarted), or by replacing the engine, and why. */
export type Applied = { running: Running; inPlace: Extract<ReloadPlan, { inPlace: true }> } | { running: Running; replaced: string };

export class SwappableApp {
  /** What to hand the gateway: reads through to the running pipeline. */
  readonly pipeline: Pipeline;
  /** What to hand the gateway and the supervisor. */
  readonly app: PipelineApp;
  private running: Running;
  private swapping = false;
  /** stop() was called: a swap in progress does not leave a new engine running. */
  private stopping = false;
  private settled = false;
  private readonly readableListeners = new Set<ReadableListener>();
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (err: unknown) => void;

  constructor(
    initial: Running,
    /** Builds the app of a pipeline (the options of the first one: state dir, resources, ...). */
    private readonly build: (pipeline: Pipeline) => PipelineApp,
  ) {
    this.running = initial;
    this.finished = new Promise((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => undefined); // observed through engine.done
    this.pipeline = liveView(() => this.running.pipeline);
    // Who follows what the engine makes readable (the gateway's reply consumer) follows every
    // engine to come: the listeners are kept here and each new engine hands its records to them.
    const onReadable = (listener: ReadableListener) => {
      this.readableListeners.add(listener);
      return () => this.readableListeners.delete(listener);
    };
    this.attach(initial.app);
    const engine = liveView<StreamEngine>(() => this.running.app.engine, { done: () => this.finished, onReadable: () => onReadable });
    const self = this;
    this.app = {
      engine,
      get resources() {
        return self.running.app.resources;
      },
      get stateDir() {
        return self.running.app.stateDir;
      },
      awaitBroker: () => this.running.app.awaitBroker(),
      start: async () => {
        await this.running.app.start();
        this.follow(this.running.app.engine);
      },
      stop: async () => {
        this.stopping = true;
        await this.running.app.stop();
      },
    };
  }

  get current(): Running {
    return this.running;
  }

  /**
   * Applies `pipeline`: in place when the running engine can (after `prepare`, while it runs:
   * only the tasks of changed sub-topologies restart), else — or when that fails — by swap(),
   * with the reason. `replaceBecause`: the caller knows the engine must be replaced (a
   * preparation that may reset state must not happen under running tasks). A `prepare` that
   * returns a reason (a string) asks for the engine to be replaced all the same (it dropped local state).
   */
  async apply(pipeline: Pipeline, prepare: () => Promise<unknown>, replaceBecause?: string): Promise<Applied> {
    if (this.settled || this.stopping) throw new Error('the pipeline is stopping');
    const plan: ReloadPlan = replaceBecause === undefined ? planReload(this.running.pipeline, pipeline) : { inPlace: false, reason: replaceBecause };
    if (!plan.inPlace) return { running: await this.swap(pipeline, async () => void (await prepare())), replaced: plan.reason };
    const prepared = await prepare();
    if (typeof prepared === 'string') return { running: await this.swap(pipeline), replaced: prepared };
    const current = this.running;
    let reason: string;
    // An engine that fails while applying is replaced below, not reported as the app's end.
    this.swapping = true;
    try {
      const applied = await current.app.engine.applyPipeline(pipeline);
      if (applied.inPlace && current.app.engine.state !== 'failed') {
        this.running = { pipeline, app: current.app };
        return { running: this.running, inPlace: applied };
      }
      reason = applied.inPlace ? 'the engine failed right after applying it' : applied.reason;
    } catch (err) {
      reason = `applying it in place failed: ${errorMessage(err)}`;
    } finally {
      this.swapping = false;
    }
    return { running: await this.swap(pipeline), replaced: reason };
  }

  /**
   * Stops the running engine, runs `prepare` (the deployment check, which may reset state),
   * then starts `pipeline`'s. When that fails the previous pipeline is started again and the
   * error rethrown; when that fails too, the app has failed (engine.done rejects).
   */
  async swap(pipeline: Pipeline, prepare: () => Promise<void> = async () => {}): Promise<Running> {
    if (this.settled || this.stopping) throw new Error('the pipeline is stopping');
    const previous = this.running;
    this.swapping = true;
    try {
      await previous.app.stop();
      let next: Running | undefined;
      try {
        await prepare();
        next = { pipeline, app: this.attach(this.build(pipeline)) };
        await next.app.start();
        this.running = next;
        if (this.stopping) await next.app.stop(); // stopped meanwhile: its end is the app's
        return next;
      } catch (err) {
        await next?.app.stop().catch(() => undefined);
        if (this.stopping) throw err; // no way back: the previous engine stopped, as asked
        this.running = { pipeline: previous.pipeline, app: this.attach(this.build(previous.pipeline)) };
        await this.running.app.start().catch((restartErr) => this.fail(restartErr));
        throw err;
      }
    } finally {
      this.swapping = false;
      if (!this.settled) this.follow(this.running.app.engine);
    }
  }

  private attach(app: PipelineApp): PipelineApp {
    app.engine.onReadable((records) => {
      let failure: unknown;
      for (const listener of this.readableListeners) {
        try {
          listener(records);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    });
    return app;
  }

  private follow(engine: StreamEngine): void {
    engine.done.then(
      () => {
        if (!this.swapping && this.running.app.engine === engine) this.end();
      },
      (err) => {
        if (!this.swapping && this.running.app.engine === engine) this.fail(err);
      },
    );
  }

  private end(): void {
    this.settled = true;
    this.resolveFinished();
  }

  private fail(err: unknown): void {
    this.settled = true;
    this.rejectFinished(err);
  }
}
