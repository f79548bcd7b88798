/**
 * The engine's health as the outside sees it (`/readyz`, logs): its state and
 * since when, whether the broker answers, which broker operations are being
 * retried and since when, the last error. `StreamEngine.health()` returns an
 * `EngineHealth`; the gateway reads only that, never the engine's internals.
 */
import { AuraError, errorMessage } from '../common/errors.js';

export type EngineState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * A broker call in progress for longer than this makes the engine not ready: a commit normally
 * takes milliseconds, one that hangs is waiting for a broker that is gone (librdkafka reports the
 * failure only when its own timeout expires) and nothing is processed meanwhile.
 */
export const STUCK_AFTER_MS = 10_000;

/** A broker operation that failed and is being retried. */
export interface RetryingOperation {
  operation: string;
  /** First failure of the current streak (epoch ms). */
  since: number;
  attempts: number;
  lastError: string;
  /** When the engine gives up if it keeps failing (since + task_timeout). */
  givesUpAt: number;
}

export interface EngineHealth {
  state: EngineState;
  /** When the engine entered `state` (epoch ms). */
  stateSince: number;
  /** Running, with its tasks assigned and restored, the broker answering, nothing being retried. */
  ready: boolean;
  /** Why it is not ready, one sentence each (empty when ready). */
  reasons: string[];
  tasks: number;
  restoring: number;
  /** Since when no broker answers, as far as this instance can tell (epoch ms). */
  brokerUnreachableSince?: number;
  retrying: RetryingOperation[];
  lastError?: { code: string; message: string; at: number };
  taskTimeoutMs: number;
}

/** What the engine reports into; `snapshot` turns it into an EngineHealth. */
export class HealthTracker {
  state: EngineState = 'created';
  stateSince: number;
  private readonly failing = new Map<string, RetryingOperation>();
  /** Broker calls in progress, by operation, with when they started. */
  private readonly inFlight = new Map<string, number>();
  private lastError?: EngineHealth['lastError'];

  constructor(
    readonly taskTimeoutMs: number,
    /** Wall-clock time: retry budgets are real time, whatever clock the pipeline's punctuations use. */
    private readonly now: () => number = Date.now,
  ) {
    this.stateSince = now();
  }

  setState(state: EngineState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateSince = this.now();
  }

  /** Records one failed attempt of `operation`; the streak starts at its first failure. */
  failed(operation: string, err: unknown): RetryingOperation {
    const now = this.now();
    this.error(err);
    let f = this.failing.get(operation);
    if (!f) this.failing.set(operation, (f = { operation, since: now, attempts: 0, lastError: '', givesUpAt: now + this.taskTimeoutMs }));
    f.attempts++;
    f.lastError = errorMessage(err);
    return f;
  }

  /** Runs a broker call, reporting it as stuck when it takes longer than STUCK_AFTER_MS. */
  async track<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.inFlight.set(operation, this.now());
    try {
      return await call();
    } finally {
      this.inFlight.delete(operation);
    }
  }

  /** `operation` succeeded (or was abandoned): its streak ends. */
  succeeded(operation: string): void {
    this.failing.delete(operation);
  }

  error(err: unknown): void {
    this.lastError = { code: err instanceof AuraError ? err.code : 'ERROR', message: errorMessage(err), at: this.now() };
  }

  snapshot(view: { tasks: number; restoring: number; unreachable?: { since: number; error: string } }): EngineHealth {
    const retrying = [...this.failing.values()].map((f) => ({ ...f }));
    const reasons: string[] = [];
    if (this.state !== 'running') reasons.push(`engine ${this.state} since ${iso(this.stateSince)}`);
    const unreachable = view.unreachable?.since;
    if (unreachable !== undefined) reasons.push(`broker unreachable since ${iso(unreachable)} (${view.unreachable!.error})`);
    for (const f of retrying) {
      reasons.push(
        `${f.operation} failing since ${iso(f.since)}, ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}, retrying until ${iso(f.givesUpAt)}: ${f.lastError}`,
      );
    }
    const now = this.now();
    for (const [operation, started] of this.inFlight) {
      if (now - started > STUCK_AFTER_MS)
        reasons.push(`${operation} waiting for the broker for ${Math.round((now - started) / 1000)} s (since ${iso(started)})`);
    }
    if (view.restoring > 0) reasons.push(`restoring ${view.restoring} task${view.restoring === 1 ? '' : 's'}`);
    if (this.state === 'running' && view.tasks === 0 && view.restoring === 0) reasons.push('no tasks assigned');
    return {
      state: this.state,
      stateSince: this.stateSince,
      ready: reasons.length === 0,
      reasons,
      tasks: view.tasks,
      restoring: view.restoring,
      ...(unreachable !== undefined ? { brokerUnreachableSince: unreachable } : {}),
      retrying,
      ...(this.lastError ? { lastError: { ...this.lastError } } : {}),
      taskTimeoutMs: this.taskTimeoutMs,
    };
  }
}

const iso = (t: number): string => new Date(t).toISOString();
