/**
 * Config fields shared by the resource types that call an HTTP API (the
 * OpenAI-compatible embedder and advisor, Qdrant): one wording, one range.
 */
import { integer, string } from '../../schemas/config-schema.js';

export const urlField = (description: string) => string({ pattern: '^https?://', description });

export const API_KEY_DESCRIPTION = 'API key sent as a bearer token. Write it as `${ENV_VAR}` rather than in the file.';

export const maxRetriesField = (defaultValue: number, note = '') =>
  integer({
    minimum: 0,
    maximum: 10,
    default: defaultValue,
    description: `Retries of a failed request (5xx, 429, timeout, network error) with exponential backoff${note}; other 4xx answers are not retried.`,
  });

export const concurrencyField = (defaultValue: number, what: string) =>
  integer({
    minimum: 1,
    maximum: 256,
    default: defaultValue,
    description: `${what} in flight at once for this resource, shared by every task of the process; more wait their turn.`,
  });
