/**
 * Maps what @qdrant/js-client-rest throws to AuraErrors with a `retriable`
 * flag for withRetry(): the client throws its fetcher's ApiError (with
 * `status` and the JSON body in `data`) for a non-2xx answer,
 * QdrantClientResourceExhaustedError for a 429 with Retry-After,
 * QdrantClientTimeoutError when its own timeout fires, and fetch's TypeError
 * ("fetch failed", cause ECONNREFUSED...) when the server cannot be reached.
 */
import { QdrantClientResourceExhaustedError, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { networkError, retriableStatus } from '../http/http-call.js';

interface ApiErrorLike {
  status: number;
  data?: { status?: { error?: string } | string };
}

function isApiError(err: unknown): err is Error & ApiErrorLike {
  return err instanceof Error && typeof (err as Partial<ApiErrorLike>).status === 'number';
}

export function qdrantStatus(err: unknown): number | undefined {
  return err instanceof AuraError ? (err.details?.status as number | undefined) : isApiError(err) ? err.status : undefined;
}

export function classifyQdrantError(err: unknown, what: string): AuraError {
  if (err instanceof AuraError) return err;
  if (err instanceof QdrantClientTimeoutError) {
    return new AuraError(ErrorCodes.PROVIDER_TIMEOUT, `${what}: Qdrant did not answer in time`, { cause: err, retriable: true });
  }
  if (err instanceof QdrantClientResourceExhaustedError) {
    return new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: Qdrant is rate limiting (HTTP 429)`, {
      cause: err,
      retriable: true,
      details: { status: 429, retryAfterMs: err.retry_after * 1000 },
    });
  }
  if (isApiError(err)) {
    const status = err.status;
    const body = err.data?.status;
    const reason = typeof body === 'string' ? body : (body?.error ?? err.message);
    return new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: HTTP ${status}${reason ? ` — ${reason}` : ''}`, {
      cause: err,
      retriable: retriableStatus(status),
      details: { status },
    });
  }
  if (err instanceof Error && err.name === 'QdrantClientUnexpectedResponseError') {
    return new AuraError(ErrorCodes.PROVIDER_FAILED, `${what}: ${err.message}`, { cause: err });
  }
  return networkError(err, `${what}: cannot reach Qdrant`);
}
