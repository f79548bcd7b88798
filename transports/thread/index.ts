/**
 * The embedded log in a thread of its own, used from this one through a ThreadTransport: the
 * first half of running the pipeline off the gateway's event loop (docs/benchmarks.md,
 * "embworker, issue 12"). `startTransportThread` resolves once the thread opened the log; a
 * thread that dies (an uncaught error, `terminate()`) fails every pending and later call with
 * TRANSPORT_FAILED, and `exited` says how it ended.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { EmbeddedTransportOptions } from '../embedded/index.js';
import { ThreadTransport } from './client.js';

export { ThreadTransport } from './client.js';
export { serveTransport } from './host.js';

export interface TransportThread {
  transport: ThreadTransport;
  worker: Worker;
  /** Resolves when the thread ended: its exit code, and the error that ended it if one did. */
  exited: Promise<{ code: number; error?: Error }>;
}

/** Only what can cross to the thread: callbacks stay behind (maintenance errors become the thread's warnings). */
export type TransportThreadOptions = Omit<EmbeddedTransportOptions, 'onMaintenanceError'>;

export async function startTransportThread(options: TransportThreadOptions): Promise<TransportThread> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { options, port: port2 }, transferList: [port2] });
  const transport = new ThreadTransport(port1, 'embedded');
  let error: Error | undefined;
  worker.on('error', (err) => {
    error = err;
  });
  const exited = new Promise<{ code: number; error?: Error }>((resolve) => {
    worker.once('exit', (code) => {
      transport.fail(
        new AuraError(ErrorCodes.TRANSPORT_FAILED, `transport thread exited (code ${code})${error ? `: ${error.message}` : ''}`, {
          details: { exitCode: code },
        }),
      );
      port1.close();
      resolve({ code, ...(error ? { error } : {}) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    void exited.then(({ code }) =>
      reject(new AuraError(ErrorCodes.TRANSPORT_FAILED, `transport thread exited (code ${code}) before it was ready${error ? `: ${error.message}` : ''}`)),
    );
  });
  return { transport, worker, exited };
}
