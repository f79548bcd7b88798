/**
 * Retries of broker operations within `defaults.task_timeout` (Kafka Streams'
 * task.timeout.ms): a retriable failure is retried with backoff for as long as
 * the operation has been failing for less than task_timeout, then the engine
 * gives up with TASK_TIMEOUT. Each operation has its own streak, which a
 * success ends; the streaks are what `/readyz` reports (see health.ts). The
 * classification of a failure is failures.ts's.
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import { backoffMs, classifyFailure, taskTimeoutError } from './failures.js';
import type { HealthTracker } from './health.js';

/** The engine is stopping: a retry loop ends early with this. */
export class RetryCancelled extends AuraError {
  constructor(operation: string) {
    super(ErrorCodes.TRANSPORT_FAILED, `${operation}: stopped while retrying`);
    this.name = 'RetryCancelled';
  }
}

export interface RetryDecision {
  /** `replace`: the client is unusable; replace it before the next attempt. */
  kind: 'retriable' | 'replace';
  waitMs: number;
}

export class Retrier {
  private cancelled = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly health: HealthTracker,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get timeoutMs(): number {
    return this.health.taskTimeoutMs;
  }

  /**
   * Records a failed attempt of `operation` and says what to do next. Throws the error itself
   * when no retry can help (fenced, fatal), TASK_TIMEOUT when the operation has been failing
   * for task_timeout, RetryCancelled when the engine is stopping.
   */
  onFailure(operation: string, err: unknown): RetryDecision {
    if (this.cancelled) throw new RetryCancelled(operation);
    const kind = classifyFailure(err);
    if (kind === 'fenced' || kind === 'fatal') {
      this.health.error(err);
      throw err;
    }
    const streak = this.health.failed(operation, err);
    if (this.now() - streak.since >= this.timeoutMs) {
      this.health.succeeded(operation);
      throw taskTimeoutError(operation, streak.since, streak.attempts, this.timeoutMs, err);
    }
    const waitMs = Math.min(backoffMs(streak.attempts), Math.max(0, streak.since + this.timeoutMs - this.now()));
    this.logger.warn(
      { operation, err: errorMessage(err), attempt: streak.attempts, since: new Date(streak.since).toISOString(), retryInMs: waitMs },
      `${operation} failed; retrying`,
    );
    return { kind, waitMs };
  }

  succeeded(operation: string): void {
    this.health.succeeded(operation);
  }

  /**
   * Runs `attempt` until it succeeds (see onFailure). `replace` swaps an unusable client before
   * the next attempt; without it such a failure is not retried.
   */
  async run<T>(operation: string, attempt: () => Promise<T>, replace?: (err: unknown) => Promise<void>): Promise<T> {
    for (;;) {
      if (this.cancelled) throw new RetryCancelled(operation);
      try {
        const result = await attempt();
        this.succeeded(operation);
        return result;
      } catch (err) {
        if (err instanceof RetryCancelled) throw err;
        const decision = this.onFailure(operation, err);
        if (decision.kind === 'replace') {
          if (!replace) {
            this.health.succeeded(operation);
            throw err;
          }
          await replace(err);
        }
        await this.sleep(decision.waitMs);
      }
    }
  }

  /** A backoff wait that `cancel()` cuts short. */
  sleep(ms: number): Promise<void> {
    if (this.cancelled || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** Stopping: pending and later retries end with RetryCancelled. */
  cancel(): void {
    this.cancelled = true;
    for (const wake of [...this.sleepers]) wake();
  }
}
