/**
 * Typed errors with stable codes. Codes are part of the public surface (logs,
 * dead-letter headers, HTTP error bodies, CLI output): never rename one, add.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  PIPELINE_INVALID: 'PIPELINE_INVALID',
  DESERIALIZATION: 'DESERIALIZATION',
  SCHEMA_VIOLATION: 'SCHEMA_VIOLATION',
  PROCESSOR_FAILED: 'PROCESSOR_FAILED',
  STORE_FAILED: 'STORE_FAILED',
  RESTORE_FAILED: 'RESTORE_FAILED',
  TRANSPORT_FAILED: 'TRANSPORT_FAILED',
  TRANSPORT_FENCED: 'TRANSPORT_FENCED',
  /** A broker operation kept failing for `defaults.task_timeout`: the instance gave up. */
  TASK_TIMEOUT: 'TASK_TIMEOUT',
  TOPIC_MISSING: 'TOPIC_MISSING',
  TOPIC_EXISTS: 'TOPIC_EXISTS',
  TOPIC_UNSAFE_CHANGE: 'TOPIC_UNSAFE_CHANGE',
  PROVIDER_FAILED: 'PROVIDER_FAILED',
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  MODEL_MISSING: 'MODEL_MISSING',
  /** The Schema Registry could not be reached or refused a request. */
  SCHEMA_REGISTRY_FAILED: 'SCHEMA_REGISTRY_FAILED',
  /** A schema is not compatible with the versions registered before it (compatibility level of its subject). */
  SCHEMA_INCOMPATIBLE: 'SCHEMA_INCOMPATIBLE',
  /** A deploy that would lose or misread state, or reject deployed clients (see `aura plan`). */
  DEPLOYMENT_BREAKING: 'DEPLOYMENT_BREAKING',
  /** An operation that needs the consumer group empty (a reset) found live members in it. */
  GROUP_ACTIVE: 'GROUP_ACTIVE',
  /** A task's local state is open by a running process (it cannot be wiped now). */
  STATE_IN_USE: 'STATE_IN_USE',
  /** A pipeline could not be applied to the running engine in place (`--watch`): the engine is replaced instead. */
  RELOAD_FAILED: 'RELOAD_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class AuraError extends Error {
  readonly code: ErrorCode;
  /** Whether retrying the same operation may succeed (broker outage, provider timeout). */
  readonly retriable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuraError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

/** The code of any thrown value: its own when it is an AuraError, PROCESSOR_FAILED otherwise. */
export function errorCode(err: unknown): ErrorCode {
  return err instanceof AuraError ? err.code : ErrorCodes.PROCESSOR_FAILED;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
