/**
 * librdkafka errors → AuraError. The fencing family is singled out: the engine
 * must stop using a fenced producer (a newer instance owns the transactional id)
 * rather than retry, so it gets its own code.
 */
import rdkafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { AuraError, ErrorCodes } from '../../common/errors.js';

const E = rdkafka.CODES.ERRORS;

const FENCED = new Set<number>([E.ERR__FENCED, E.ERR_PRODUCER_FENCED, E.ERR_INVALID_PRODUCER_EPOCH]);

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
    return new AuraError(ErrorCodes.TRANSPORT_FENCED, `${what}: producer fenced (${(err as LibrdKafkaError).message})`, { cause: err });
  }
  const rd = isLibrdKafkaError(err) ? err : undefined;
  const message = rd ? rd.message : err instanceof Error ? err.message : String(err);
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, `${what}: ${message}`, {
    cause: err,
    retriable: rd?.isRetriable ?? false,
    details: rd ? { code: rd.code, fatal: rd.isFatal ?? false, txnRequiresAbort: rd.isTxnRequiresAbort ?? false } : undefined,
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
