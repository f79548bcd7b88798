/**
 * The body of one MiniLM worker thread: opens its own ONNX session (options in
 * `workerData`), says `ready` (or `load-failed`), then embeds the texts of each
 * `embed` message in order, one message at a time, and releases the session
 * on `close`. Started through minilm-worker.mjs, which loads this TypeScript.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './minilm-protocol.js';
import { toWire } from './minilm-protocol.js';
import { type MiniLmSessionOptions, openMiniLmSession } from './minilm-session.js';

const port = parentPort;
if (!port) throw new Error('minilm-worker.ts runs in a worker thread');
const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

try {
  const session = await openMiniLmSession(workerData as MiniLmSessionOptions);
  // Messages are handled one after the other: the session is not re-entrant, and
  // a queue here keeps the thread's single core busy without interleaving runs.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    chain = chain.then(async () => {
      if (m.type === 'close') {
        await session.release();
        send({ type: 'closed' });
        port.close();
        return;
      }
      try {
        const vectors = await session.embed(m.texts);
        send({ type: 'done', id: m.id, vectors }, [vectors.buffer as ArrayBuffer]);
      } catch (err) {
        send({ type: 'failed', id: m.id, error: toWire(err) });
      }
    });
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'load-failed', error: toWire(err) });
  port.close();
}
