/**
 * The life of a long-running command (`aura run`, `aura serve`) once started:
 * SIGINT/SIGTERM stop it cleanly (the gateway first, so no request lands on a
 * stopping engine; then the engine's final commit), and the exit code says
 * whether the pipeline ended on its own terms. A failure is also written to
 * stderr whatever the log level: a fenced instance must say why it quit.
 */
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../processors/types.js';
import type { PipelineApp } from '../runtime/app.js';
import type { Transport } from '../transports/types.js';

export interface Supervised {
  app: PipelineApp;
  transport: Transport;
  logger: Logger;
  /** Prefix of the failure line on stderr, e.g. `aura run`. */
  label: string;
  /** Stopped before the engine (the gateway). */
  front?: { stop(): Promise<void> };
}

export async function superviseUntilDone({ app, transport, logger, label, front }: Supervised): Promise<number> {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await front?.stop();
    await app.stop();
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
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
  }
}
