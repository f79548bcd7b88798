/**
 * How a failed broker operation is classified, in one place, and the retry
 * pacing. Transports describe what went wrong (codes and flags on an
 * AuraError: see transports/kafka/errors.ts for librdkafka's); this file
 * decides what the engine and the gateway do about it, as Kafka Streams does
 * with its retriable / task-migrated / fatal exceptions:
 *
 *   fenced     another process owns our transactional id: stop, never retry
 *   replace    the client is unusable (librdkafka "fatal", a transaction in an
 *              unknown state, or a fence that is the broker's abort of our own
 *              transaction after an outage outlived transaction.timeout.ms —
 *              Kafka Streams' "task migrated"): replace it, then retry
 *   retriable  an outage or a hiccup (timeouts, no leader, coordinator moving,
 *              broker unreachable): retry with backoff, up to task_timeout
 *   fatal      anything else (no permission, a record too large, an error of
 *              our own processing): stop
 */
import { AuraError, ErrorCodes, errorMessage } from '../common/errors.js';

export type FailureKind = 'fenced' | 'replace' | 'retriable' | 'fatal';

export function classifyFailure(err: unknown): FailureKind {
  if (!(err instanceof AuraError)) return 'fatal';
  if (err.code === ErrorCodes.TRANSPORT_FENCED) return err.details?.transactionTimedOut === true ? 'replace' : 'fenced';
  if (err.code === ErrorCodes.TRANSPORT_FAILED) {
    if (err.details?.permanent === true) return 'fatal';
    if (err.details?.fatal === true || err.details?.replaceClient === true) return 'replace';
    return 'retriable';
  }
  // A restore that stalled, or waited too long for a previous owner's transaction.
  if (err.code === ErrorCodes.RESTORE_FAILED && err.retriable) return 'retriable';
  return 'fatal';
}

/** Another producer with our transactional id took over: this process is a zombie. */
export function isFenced(err: unknown): boolean {
  return classifyFailure(err) === 'fenced';
}

/** 100 ms, 200 ms, ... capped at 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, attempt - 1));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Why this instance stops when fenced: a newer producer took over its transactional id, or (static
 * membership) a newer consumer joined its group with its group.instance.id — whichever the broker
 * told first. Both are another process running with the same AURA_INSTANCE_ID.
 */
export function fencedError(app: string, instanceId: string, cause: unknown): AuraError {
  const byMember = cause instanceof AuraError && cause.details?.fencedBy === 'group.instance.id';
  const what = byMember
    ? `another process joined its consumer group with its group.instance.id "${instanceId}" (the same AURA_INSTANCE_ID started elsewhere). `
    : `another process took over its transactional id ${app}-${instanceId} ` +
      '(the same AURA_INSTANCE_ID started elsewhere, or this process stalled past transaction.timeout.ms). ';
  return new AuraError(
    ErrorCodes.TRANSPORT_FENCED,
    `instance "${instanceId}" of ${app} was fenced: ${what}It stops without committing; its partitions continue on the other instance. (${errorMessage(cause)})`,
    { cause },
  );
}

/** The retry budget of `operation` is spent: the instance stops with this. */
export function taskTimeoutError(operation: string, since: number, attempts: number, timeoutMs: number, last: unknown): AuraError {
  return new AuraError(
    ErrorCodes.TASK_TIMEOUT,
    `gave up: ${operation} kept failing for ${formatMs(timeoutMs)} (task_timeout), since ${new Date(since).toISOString()}, ` +
      `${attempts} attempt${attempts === 1 ? '' : 's'}; last error: ${errorMessage(last)}. ` +
      'Is the broker reachable? Raise defaults.task_timeout to ride out longer outages.',
    { cause: last, details: { operation, since, attempts } },
  );
}

export function formatMs(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
