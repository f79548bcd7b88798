/**
 * The life of a long-running command (`aura run`, `aura serve`) once started:
 * SIGINT/SIGTERM stop it cleanly (the gateway first, so no request lands on a
 * stopping engine; then the engine's final commit), and the exit code says
 * whether the pipeline ended on its own terms. A failure is also written to
 * stderr whatever the log level: a fenced instance must say why it quit.
 *
 * Errors nobody handled (`unhandledRejection`, `uncaughtException`) do not end
 * the process: one request's (or one socket's) failure must never stop the
 * pipeline of every user. They are logged at error level with their stack and
 * code — at most 20 per minute, then a count of those not logged — and the
 * process keeps running. The engine's own failures still end it, through
 * `engine.done`, with exit code 1.
 */
import { AuraError, errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { PipelineApp } from '../runtime/app.js';
import type { Transport } from '../transports/types.js';

/** What the supervisor needs of an app: one engine (runtime/app.ts) or stream threads (runtime/stream-threads.ts, see cli/run.ts). */
export interface SupervisedApp {
  engine: Pick<PipelineApp['engine'], 'done'>;
  resources: Pick<PipelineApp['resources'], 'close'>;
  stop(): Promise<void>;
}

export interface Supervised {
  app: SupervisedApp;
  transport: Transport;
  logger: Logger;
  /** Prefix of the failure line on stderr, e.g. `aura run`. */
  label: string;
  /** Stopped before the engine (the gateway). */
  front?: { stop(): Promise<void> };
  /** SIGINT/SIGTERM held since before start-up (holdStopSignals): a signal that came meanwhile stops at once. */
  held?: HeldSignals;
}

export interface HeldSignals {
  /** The first stop signal received while held, if any. */
  received(): string | undefined;
  release(): void;
}

/**
 * Holds SIGINT/SIGTERM from now until the supervisor takes over (or release()): a stop asked for
 * while the pipeline starts (restoring, recording its deployment) is remembered and carried out
 * once it runs, instead of Node's default — ending the process by the signal, mid-start.
 */
export function holdStopSignals(): HeldSignals {
  let first: string | undefined;
  const onSigint = () => void (first ??= 'SIGINT');
  const onSigterm = () => void (first ??= 'SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    received: () => first,
    release: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}

const LOGGED_PER_WINDOW = 20;
const WINDOW_MS = 60_000;

/** Installs the process-wide policy for unhandled errors; returns its uninstaller. */
export function guardProcess(logger: Logger, label: string): () => void {
  let windowStart = Date.now();
  let logged = 0;
  let suppressed = 0;
  const report = (kind: 'unhandledRejection' | 'uncaughtException', reason: unknown) => {
    const now = Date.now();
    if (now - windowStart > WINDOW_MS) {
      if (suppressed > 0) logger.error({ kind, suppressed }, `${label}: ${suppressed} more unhandled errors were not logged in the last minute`);
      windowStart = now;
      logged = 0;
      suppressed = 0;
    }
    if (logged >= LOGGED_PER_WINDOW) {
      suppressed++;
      return;
    }
    logged++;
    const err = reason instanceof Error ? reason : undefined;
    logger.error(
      {
        kind,
        err: errorMessage(reason),
        code: reason instanceof AuraError ? reason.code : (err as NodeJS.ErrnoException | undefined)?.code,
        stack: err?.stack,
      },
      `${label}: ${kind} (the process keeps running)`,
    );
  };
  const onRejection = (reason: unknown) => report('unhandledRejection', reason);
  const onException = (err: unknown) => report('uncaughtException', err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

export async function superviseUntilDone({ app, transport, logger, label, front, held }: Supervised): Promise<number> {
  let stopping = false;
  const unguard = guardProcess(logger, label);
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await front?.stop();
    await app.stop();
  };
  const onSigint = () => void stop('SIGINT');
  const onSigterm = () => void stop('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  const early = held?.received();
  held?.release();
  if (early) void stop(early);
  try {
    await app.engine.done;
    await front?.stop();
    await transport.close();
    return 0;
  } catch (err) {
    logger.error({ err: errorMessage(err) }, 'pipeline failed');
    process.stderr.write(`${label}: the pipeline failed: ${errorMessage(err)}\n`);
    await front?.stop().catch(() => undefined);
    await app.resources.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return 1;
  } finally {
    unguard();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
