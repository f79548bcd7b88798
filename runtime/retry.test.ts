/**
 * The retry loop of broker operations (retry.ts) with its health record
 * (health.ts): retriable failures are retried with backoff until the
 * operation has been failing for task_timeout, then TASK_TIMEOUT; fences and
 * fatal errors are not retried; an unusable client is replaced; a stop cuts a
 * retry short; /readyz's reasons follow along.
 */
import { describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { HealthTracker } from './health.js';
import { Retrier, RetryCancelled } from './retry.js';

const logger = createLogger('retry-test');
const outage = (what = 'listOffsets') => new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: Local: Timed out`);

/** A retrier on a fake wall clock that `sleep` advances: no real waiting. */
function fixture(taskTimeoutMs: number) {
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  const clock = () => now;
  const health = new HealthTracker(taskTimeoutMs, clock);
  health.setState('running');
  const retrier = new Retrier(health, logger, clock);
  const waits: number[] = [];
  retrier.sleep = async (ms: number) => {
    waits.push(ms);
    now += ms;
  };
  return { health, retrier, waits, advance: (ms: number) => (now += ms), now: () => now };
}

describe('Retrier', () => {
  it('retries a retriable failure with backoff until it succeeds, then forgets the streak', async () => {
    const f = fixture(300_000);
    let calls = 0;
    const result = await f.retrier.run('restore', async () => {
      if (++calls <= 4) throw outage();
      return 'restored';
    });
    expect(result).toBe('restored');
    expect(calls).toBe(5);
    expect(f.waits).toEqual([100, 200, 400, 800]);
    expect(f.health.snapshot({ tasks: 1, restoring: 0 })).toMatchObject({ ready: true, reasons: [], retrying: [] });
    expect(f.health.snapshot({ tasks: 1, restoring: 0 }).lastError).toMatchObject({ code: 'TRANSPORT_FAILED', message: 'listOffsets: Local: Timed out' });
  });

  it('gives up with TASK_TIMEOUT once the operation has been failing for task_timeout', async () => {
    const f = fixture(30_000);
    const started = f.now();
    let calls = 0;
    const err = await f.retrier
      .run('restore', async () => {
        calls++;
        throw outage();
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AuraError);
    expect((err as AuraError).code).toBe(ErrorCodes.TASK_TIMEOUT);
    expect((err as AuraError).message).toMatch(
      /^gave up: restore kept failing for 30 s \(task_timeout\), since 2026-01-01T00:00:00.000Z, \d+ attempts; last error: listOffsets: Local: Timed out\./,
    );
    // Backoff up to 5 s, never sleeping past the deadline, then one last attempt at it.
    expect(f.waits).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 3700]);
    expect(f.now() - started).toBe(30_000);
    expect(calls).toBe(f.waits.length + 1);
    expect((err as AuraError).cause).toBeInstanceOf(AuraError);
  });

  it('with task_timeout 0 gives up at the first failure', async () => {
    const f = fixture(0);
    const err = await f.retrier.run('commit', async () => Promise.reject(outage('commitTransaction'))).catch((e: AuraError) => e);
    expect(err.code).toBe(ErrorCodes.TASK_TIMEOUT);
    expect(f.waits).toEqual([]);
  });

  it('keeps one streak across separate attempts of an operation (commit: each retry is a new transaction)', () => {
    const f = fixture(10_000);
    expect(f.retrier.onFailure('commit', outage('commitTransaction'))).toEqual({ kind: 'retriable', waitMs: 100 });
    f.advance(6000);
    expect(f.retrier.onFailure('commit', outage('commitTransaction'))).toEqual({ kind: 'retriable', waitMs: 200 });
    f.advance(4000);
    expect(() => f.retrier.onFailure('commit', outage('commitTransaction'))).toThrow(/gave up: commit kept failing for 10 s/);
    // A success in between starts a new streak.
    f.retrier.succeeded('commit');
    expect(f.retrier.onFailure('commit', outage('commitTransaction')).waitMs).toBe(100);
  });

  it('does not retry a fence or a fatal error', async () => {
    const f = fixture(300_000);
    const fenced = new AuraError(ErrorCodes.TRANSPORT_FENCED, 'commitTransaction: producer fenced');
    await expect(f.retrier.run('commit', async () => Promise.reject(fenced))).rejects.toBe(fenced);
    const denied = new AuraError(ErrorCodes.TRANSPORT_FAILED, 'Broker: Topic authorization failed', { details: { permanent: true } });
    await expect(f.retrier.run('restore', async () => Promise.reject(denied))).rejects.toBe(denied);
    expect(f.waits).toEqual([]);
    expect(f.health.snapshot({ tasks: 1, restoring: 0 }).retrying).toEqual([]);
  });

  it('replaces an unusable client before the next attempt, and fails without a way to replace it', async () => {
    const f = fixture(300_000);
    const unusable = new AuraError(ErrorCodes.TRANSPORT_FAILED, 'send: Local: Fatal error', { details: { fatal: true } });
    const replaced: unknown[] = [];
    let calls = 0;
    await f.retrier.run(
      'start producer',
      async () => {
        if (++calls === 1) throw unusable;
      },
      async (err) => void replaced.push(err),
    );
    expect(replaced).toEqual([unusable]);
    await expect(f.retrier.run('poll', async () => Promise.reject(unusable))).rejects.toBe(unusable);
  });

  it('reports what is retrying, since when and until when, the broker outage and stuck calls, as reasons', async () => {
    const f = fixture(300_000);
    const since = f.now();
    f.retrier.onFailure('restore', outage());
    f.advance(1000);
    f.retrier.onFailure('restore', outage());
    const h = f.health.snapshot({ tasks: 0, restoring: 3, unreachable: { since: since - 500, error: 'all broker connections are down' } });
    expect(h.ready).toBe(false);
    expect(h.brokerUnreachableSince).toBe(since - 500);
    expect(h.retrying).toEqual([{ operation: 'restore', since, attempts: 2, lastError: 'listOffsets: Local: Timed out', givesUpAt: since + 300_000 }]);
    expect(h.reasons).toEqual([
      'broker unreachable since 2025-12-31T23:59:59.500Z (all broker connections are down)',
      'restore failing since 2026-01-01T00:00:00.000Z, 2 attempts, retrying until 2026-01-01T00:05:00.000Z: listOffsets: Local: Timed out',
      'restoring 3 tasks',
    ]);
    f.retrier.succeeded('restore');
    expect(f.health.snapshot({ tasks: 3, restoring: 0 })).toMatchObject({ ready: true, reasons: [] });
    expect(f.health.snapshot({ tasks: 0, restoring: 0 }).reasons).toEqual(['no tasks assigned']);
    // A broker call that hangs (librdkafka waits for its own timeout) makes it not ready after 10 s.
    let finish = () => {};
    const commit = f.health.track('commit', () => new Promise<void>((r) => (finish = r)));
    f.advance(10_001);
    expect(f.health.snapshot({ tasks: 3, restoring: 0 }).reasons).toEqual(['commit waiting for the broker for 10 s (since 2026-01-01T00:00:01.000Z)']);
    finish();
    await commit;
    expect(f.health.snapshot({ tasks: 3, restoring: 0 }).ready).toBe(true);
    f.health.setState('stopping');
    expect(f.health.snapshot({ tasks: 3, restoring: 0 }).reasons).toEqual(['engine stopping since 2026-01-01T00:00:11.001Z']);
  });

  it('ends a retry loop when the engine stops', async () => {
    const health = new HealthTracker(300_000);
    const retrier = new Retrier(health, logger);
    let calls = 0;
    const running = retrier.run('restore', async () => {
      calls++;
      throw outage();
    });
    await new Promise((r) => setTimeout(r, 250)); // a few real backoffs (100, 200 ms)
    retrier.cancel();
    await expect(running).rejects.toBeInstanceOf(RetryCancelled);
    expect(calls).toBeGreaterThanOrEqual(2);
    await expect(retrier.run('poll', async () => 'never')).rejects.toBeInstanceOf(RetryCancelled);
  });
});
