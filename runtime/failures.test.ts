/**
 * The one classification of failures (runtime/failures.ts), fed with the
 * errors the Kafka transport really produces from librdkafka's (errors.ts).
 */
import rdkafka from '@confluentinc/kafka-javascript';
import { describe, expect, it } from 'vitest';
import { AuraError, ErrorCodes } from '../common/errors.js';
import { toAuraError } from '../transports/kafka/errors.js';
import { backoffMs, classifyFailure, fencedError, taskTimeoutError } from './failures.js';

const E = rdkafka.CODES.ERRORS;
/** What the binding hands to a callback: a LibrdKafkaError-shaped object. */
const rd = (code: number, message: string, extra: Record<string, unknown> = {}) => ({ code, message, errno: code, origin: 'kafka', ...extra });
const kafka = (code: number, message: string, extra: Record<string, unknown> = {}) => toAuraError(rd(code, message, extra), 'commitTransaction');

describe('classifyFailure', () => {
  it('retries what an outage produces: timeouts, transport failures, no leader, coordinator moving, stale metadata', () => {
    for (const [code, message] of [
      [E.ERR__TIMED_OUT, 'Local: Timed out'],
      [E.ERR__MSG_TIMED_OUT, 'Local: Message timed out'],
      [E.ERR__TRANSPORT, 'Local: Broker transport failure'],
      [E.ERR__ALL_BROKERS_DOWN, 'Local: All broker connections are down'],
      [E.ERR_NOT_LEADER_FOR_PARTITION, 'Broker: Not leader for partition'],
      [E.ERR_NOT_COORDINATOR_FOR_GROUP, 'Broker: Not coordinator'],
      [E.ERR_COORDINATOR_LOAD_IN_PROGRESS, 'Broker: Coordinator load in progress'],
      [E.ERR_FENCED_LEADER_EPOCH, 'Broker: Leader epoch is older than broker epoch'],
      [E.ERR_UNKNOWN_TOPIC_OR_PART, 'Broker: Unknown topic or partition'],
    ] as const) {
      expect(classifyFailure(kafka(code, message)), message).toBe('retriable');
    }
    expect(classifyFailure(new AuraError(ErrorCodes.RESTORE_FAILED, 'restore made no progress for 60 s', { retriable: true }))).toBe('retriable');
  });

  it('stops on a fence by another producer, but replaces the producer when the broker aborted our own timed-out transaction', () => {
    expect(classifyFailure(kafka(E.ERR_PRODUCER_FENCED, 'Broker: Producer fenced'))).toBe('fenced');
    expect(classifyFailure(kafka(E.ERR__FENCED, 'Local: This instance has been fenced by a newer instance'))).toBe('fenced');
    expect(classifyFailure(kafka(E.ERR__FATAL, 'Local: Fatal error: producer epoch fenced'))).toBe('fenced');
    const timedOut = new AuraError(ErrorCodes.TRANSPORT_FENCED, 'commitTransaction: producer fenced', {
      details: { transactionAgeMs: 31_000, transactionTimedOut: true },
    });
    expect(classifyFailure(timedOut)).toBe('replace');
    const young = new AuraError(ErrorCodes.TRANSPORT_FENCED, 'commitTransaction: producer fenced', {
      details: { transactionAgeMs: 40, transactionTimedOut: false },
    });
    expect(classifyFailure(young)).toBe('fenced');
  });

  it('stops on a fence by another consumer with our group.instance.id, and says so', () => {
    const fenced = toAuraError(kafka(E.ERR_FENCED_INSTANCE_ID, 'Broker: Static consumer fenced by other consumer with same group.instance.id'), 'commit');
    expect(classifyFailure(fenced)).toBe('fenced');
    expect(fencedError('aura360', 'a', fenced).message).toMatch(
      /^instance "a" of aura360 was fenced: another process joined its consumer group with its group.instance.id "a" \(the same AURA_INSTANCE_ID/,
    );
    const byProducer = toAuraError(kafka(E.ERR_PRODUCER_FENCED, 'Broker: Producer fenced'), 'commitTransaction');
    expect(fencedError('aura360', 'a', byProducer).message).toMatch(
      /^instance "a" of aura360 was fenced: another process took over its transactional id aura360-a /,
    );
  });

  it('replaces a client librdkafka declares unusable, or a producer stuck in a transaction state', () => {
    expect(classifyFailure(kafka(E.ERR__FATAL, 'Local: Fatal error: idempotence sequence desynchronised', { isFatal: true }))).toBe('replace');
    expect(classifyFailure(kafka(E.ERR__STATE, 'Local: Erroneous state: Operation not valid in state CommittingTransaction'))).toBe('replace');
  });

  it('gives up at once on what no retry fixes: permissions, credentials, oversized records, our own errors', () => {
    for (const code of [
      E.ERR_TOPIC_AUTHORIZATION_FAILED,
      E.ERR_GROUP_AUTHORIZATION_FAILED,
      E.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      E.ERR_SASL_AUTHENTICATION_FAILED,
      E.ERR__AUTHENTICATION,
      E.ERR_MSG_SIZE_TOO_LARGE,
    ]) {
      expect(classifyFailure(kafka(code, `code ${code}`)), String(code)).toBe('fatal');
    }
    expect(classifyFailure(new AuraError(ErrorCodes.STORE_FAILED, 'disk full'))).toBe('fatal');
    expect(classifyFailure(new AuraError(ErrorCodes.RESTORE_FAILED, 'local state is corrupt'))).toBe('fatal');
    expect(classifyFailure(new TypeError('x is undefined'))).toBe('fatal');
    expect(classifyFailure(new AuraError(ErrorCodes.TASK_TIMEOUT, 'gave up'))).toBe('fatal');
  });
});

describe('retry pacing and messages', () => {
  it('backs off exponentially from 100 ms, capped at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(backoffMs)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('says what gave up, since when, after how long, and the last error', () => {
    const since = Date.parse('2026-01-02T03:04:05.000Z');
    const err = taskTimeoutError('restore', since, 17, 300_000, new Error('listOffsets: Local: Timed out'));
    expect(err.code).toBe(ErrorCodes.TASK_TIMEOUT);
    expect(err.message).toBe(
      'gave up: restore kept failing for 5 min (task_timeout), since 2026-01-02T03:04:05.000Z, 17 attempts; last error: listOffsets: Local: Timed out. ' +
        'Is the broker reachable? Raise defaults.task_timeout to ride out longer outages.',
    );
    expect(err.details).toEqual({ operation: 'restore', since, attempts: 17 });
    expect(fencedError('app', 'i1', new Error('Broker: Producer fenced')).message).toMatch(/^instance "i1" of app was fenced: .*\(Broker: Producer fenced\)$/);
  });
});
