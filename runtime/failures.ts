/**
 * How the engine classifies transport failures, and its retry pacing. A broker
 * hiccup must not crash-loop an instance: poll and commit failures are retried
 * with exponential backoff; only a fence (another process now owns this
 * instance's transactional id) or a fatal client error stops the loop or
 * replaces the client.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';

/** Another producer with our transactional id took over: this process is a zombie. */
export function isFenced(err: unknown): boolean {
  return err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FENCED;
}

/** The client is unusable (librdkafka "fatal" error): replace it rather than retry on it. */
export function isFatalClientError(err: unknown): boolean {
  return err instanceof AuraError && err.details?.fatal === true;
}

/** A failed broker call worth retrying; errors of our own processing (on_error: fail) are not. */
export function isRetriableTransportError(err: unknown): boolean {
  return err instanceof AuraError && err.code === ErrorCodes.TRANSPORT_FAILED && !isFatalClientError(err);
}

/** 100 ms, 200 ms, ... capped at 5 s. */
export function backoffMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.max(0, attempt - 1));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function fencedError(app: string, instanceId: string, cause: unknown): AuraError {
  return new AuraError(
    ErrorCodes.TRANSPORT_FENCED,
    `instance "${instanceId}" of ${app} was fenced: another process took over its transactional id ${app}-${instanceId} ` +
      '(the same AURA_INSTANCE_ID started elsewhere, or this process stalled past transaction.timeout.ms). ' +
      'It stops without committing; its partitions continue on the other instance.',
    { cause },
  );
}
