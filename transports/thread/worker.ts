/**
 * The body of a transport thread: opens the embedded log named in `workerData`, serves it on the
 * port it was given (host.ts) and says `ready`. Closing the transport (the client's `close`)
 * closes the port, which lets the thread end.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { createEmbeddedTransport, type EmbeddedTransportOptions } from '../embedded/index.js';
import { serveTransport } from './host.js';

const { options, port } = workerData as { options: EmbeddedTransportOptions; port: MessagePort };
const transport = createEmbeddedTransport(options);
const close = transport.close.bind(transport);
transport.close = async () => {
  await close();
  // Answered first (the host posts the reply when this resolves), then the port goes.
  setImmediate(() => port.close());
};
serveTransport(port, transport);
parentPort!.postMessage({ ready: true });
