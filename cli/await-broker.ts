/**
 * The first step of `aura run` and `aura serve`: wait for the broker. A start
 * while the broker is away (a cluster restarting, a laptop whose broker
 * container is still starting) waits with backoff for up to
 * `defaults.task_timeout` — as the engine rides out an outage once running —
 * instead of exiting; the wait is logged at each attempt, and `aura serve`'s
 * /readyz answers 503 with the reason meanwhile. SIGINT/SIGTERM end the wait.
 */
import { errorMessage } from '../common/errors.js';
import type { PipelineApp } from '../runtime/app.js';
import type { Transport } from '../transports/types.js';

/** True once the broker answers; false (after saying why, and closing the transport) when it did not within task_timeout or the wait was stopped. */
export async function awaitBroker(app: PipelineApp, transport: Transport, label: string): Promise<boolean> {
  const stop = () => void app.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await app.awaitBroker();
    return true;
  } catch (err) {
    process.stderr.write(`${label}: ${errorMessage(err)}\n`);
    await app.resources.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return false;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
