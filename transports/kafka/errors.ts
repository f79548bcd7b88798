/**
 * librdkafka errors → AuraError. The fencing family is singled out: the engine
 * must stop using a fenced producer (a newer instance owns the transactional id)
 * rather than retry, so it gets its own code. The other flags describe the
 * error for runtime/failures.ts, which decides what to do: `fatal` (librdkafka
 * says the client is unusable), `replaceClient` (a transactional producer in a
 * state no call can leave), `permanent` (no retry helps: permissions,
 * credentials, a record too large). Everything else is worth retrying.
 */

import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import rdkafka from '@confluentinc/kafka-javascript';
import { AuraError, ErrorCodes } from '../../common/errors.js';

const E = rdkafka.CODES.ERRORS;

const FENCED = new Set<number>([E.ERR__FENCED, E.ERR_PRODUCER_FENCED, E.ERR_INVALID_PRODUCER_EPOCH, E.ERR_FENCED_INSTANCE_ID]);

const PERMANENT = new Set<number>([
  E.ERR_MSG_SIZE_TOO_LARGE,
  E.ERR_TOPIC_AUTHORIZATION_FAILED,
  E.ERR_GROUP_AUTHORIZATION_FAILED,
  E.ERR_CLUSTER_AUTHORIZATION_FAILED,
  E.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  E.ERR_SASL_AUTHENTICATION_FAILED,
  E.ERR__AUTHENTICATION,
  E.ERR__INVALID_ARG,
]);

export function isLibrdKafkaError(err: unknown): err is LibrdKafkaError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'message' in err;
}

export function isFenced(err: unknown): boolean {
  if (!isLibrdKafkaError(err)) return false;
  // A fatal producer error after a fence is reported as ERR__FATAL with the original reason in the message.
  return FENCED.has(err.code) || (err.code === E.ERR__FATAL && /fenc|epoch/i.test(err.message));
}

/** Wraps anything thrown by the client; AuraErrors pass through unchanged. */
export function toAuraError(err: unknown, what: string): AuraError {
  if (err instanceof AuraError) return err;
  if (isFenced(err)) {
    const rd = err as LibrdKafkaError;
    if (rd.code === E.ERR_FENCED_INSTANCE_ID) {
      return new AuraError(ErrorCodes.TRANSPORT_FENCED, `${what}: consumer fenced (${rd.message})`, { cause: err, details: { fencedBy: 'group.instance.id' } });
    }
    return new AuraError(ErrorCodes.TRANSPORT_FENCED, `${what}: producer fenced (${rd.message})`, { cause: err });
  }
  const rd = isLibrdKafkaError(err) ? err : undefined;
  const message = rd ? rd.message : err instanceof Error ? err.message : String(err);
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: ${message}`, {
    cause: err,
    retriable: rd?.isRetriable ?? false,
    details: rd
      ? {
          code: rd.code,
          fatal: rd.isFatal ?? false,
          txnRequiresAbort: rd.isTxnRequiresAbort ?? false,
          // "Operation not valid in state ...": e.g. a commit that timed out and cannot be aborted.
          replaceClient: rd.code === E.ERR__STATE,
          permanent: PERMANENT.has(rd.code),
        }
      : undefined,
  });
}

/**
 * A consumer's fatal error. librdkafka raises one for a consumer only when another member joined
 * the group with the same group.instance.id (static membership, FENCED_INSTANCE_ID), and reports
 * it to `consume` once, as a bare ERR__FATAL "Local: Fatal error": without this, it read as a
 * hiccup and a fenced zombie kept polling (nothing) until task_timeout.
 */
export function consumerFatalError(err: LibrdKafkaError, what: string, groupInstanceId: string | undefined): AuraError | undefined {
  if (err.code !== E.ERR__FATAL) return undefined;
  if (groupInstanceId !== undefined) {
    return new AuraError(
      ErrorCodes.TRANSPORT_FENCED,
      `${what}: consumer fenced: another member joined the group with group.instance.id "${groupInstanceId}" (${err.message})`,
      { cause: err, details: { fencedBy: 'group.instance.id' } },
    );
  }
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: the consumer failed for good (${err.message})`, {
    cause: err,
    details: { code: err.code, fatal: true },
  });
}

/** Node-style callback → promise, with the error mapped. */
export function call<T = void>(what: string, fn: (cb: (err: LibrdKafkaError | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      fn((err, value) => (err ? reject(toAuraError(err, what)) : resolve(value as T)));
    } catch (err) {
      reject(toAuraError(err, what));
    }
  });
}

export { E as RD_ERRORS };
