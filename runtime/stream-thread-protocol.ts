/**
 * What the supervising process and a stream thread (runtime/stream-threads.ts,
 * stream-thread-worker.ts) tell each other over their IPC channel, and the one
 * rule for how many threads run: `aura run --threads N` over
 * `defaults.stream_threads`, Kafka only. Everything here crosses a process
 * boundary, so it is data (structured clone: the channel's `advanced` serialization).
 */
import { AuraError, type ErrorCode, ErrorCodes, errorMessage } from '../common/errors.js';
import type { Pipeline } from '../topology/model.js';

/** Kafka Streams caps nothing; 64 keeps a typo (`--threads 600`) from starting hundreds of clients. */
export const MAX_STREAM_THREADS = 64;

/** What a stream thread is started with (its first message). */
export interface StreamThreadData {
  /** 1-based, for logs and ids. */
  thread: number;
  /**
   * The pipeline as the supervisor compiled it: every thread runs the one the deployment gate
   * checked, and none pays the compiler's start-up (about a second of CPU) again.
   */
  pipeline: Pipeline;
  /** The environment the Kafka settings are read from (the supervisor's, or a bench's). */
  env: Record<string, string | undefined>;
  stateDir: string;
  /** This thread's instance id: its transactional id is `<app>-<instanceId>`. */
  instanceId: string;
  /** This thread's static group membership, when the process has a stable AURA_INSTANCE_ID. */
  groupInstanceId?: string;
  topics: 'create' | 'check';
  logLevel?: string;
}

export interface WireError {
  code?: ErrorCode;
  message: string;
}

/** `go`: every thread is ready (see `ready`), join the group now. */
export type ToThread = { type: 'init'; data: StreamThreadData } | { type: 'go' } | { type: 'stop' };

export type FromThread =
  /**
   * Built and the broker answers; waits for `go`. The threads join the group together, so that
   * one rebalance spreads the tasks instead of the first thread taking all, restoring them and
   * handing half over moments later.
   */
  | { type: 'ready' }
  | { type: 'started'; tasks: string[] }
  /** The thread's engine failed (or could not start); it closed its clients and exits. */
  | { type: 'failed'; error: WireError }
  /** Stopped on request: committed, left the group, closed its clients. */
  | { type: 'stopped' };

export function toWire(err: unknown): WireError {
  return { code: err instanceof AuraError ? err.code : undefined, message: errorMessage(err) };
}

export function fromWire(thread: number, e: WireError): AuraError {
  return new AuraError(e.code ?? ErrorCodes.PROCESSOR_FAILED, `stream thread ${thread}: ${e.message}`, { details: { thread } });
}

/**
 * The stream threads to run: the `--threads` flag when given, else `defaults.stream_threads`.
 * More than one needs Kafka: the embedded log is one SQLite file with an in-process group, which
 * only one engine of a process can use (CONFIG_INVALID otherwise).
 */
export function streamThreadCount(options: { declared: number; flag?: string; transport: 'kafka' | 'embedded' | string }): number {
  let threads = options.declared;
  if (options.flag !== undefined) {
    const n = Number(options.flag.trim());
    if (!/^\d+$/.test(options.flag.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_STREAM_THREADS) {
      throw new AuraError(ErrorCodes.CONFIG_INVALID, `--threads must be an integer from 1 to ${MAX_STREAM_THREADS}, got "${options.flag}"`);
    }
    threads = n;
  }
  if (threads > 1 && options.transport !== 'kafka') {
    throw new AuraError(
      ErrorCodes.CONFIG_INVALID,
      `${threads} stream threads need Kafka (set KAFKA_BROKERS): the embedded log runs one engine per process. Use --threads 1 or remove defaults.stream_threads`,
    );
  }
  return threads;
}

/**
 * Ids of thread `n` of `count`: thread 1 keeps the process's own (so going from one thread to
 * several still fences the single-threaded predecessor's transaction), the others add `-t<n>`.
 * Stable across restarts, as fencing a zombie needs.
 */
export function threadIds(base: { instanceId: string; groupInstanceId?: string }, n: number): { instanceId: string; groupInstanceId?: string } {
  const suffix = n === 1 ? '' : `-t${n}`;
  return {
    instanceId: `${base.instanceId}${suffix}`,
    groupInstanceId: base.groupInstanceId === undefined ? undefined : `${base.groupInstanceId}${suffix}`,
  };
}
