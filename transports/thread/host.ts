/**
 * The owning side of a thread transport: serves one Transport (the embedded log, which must be
 * opened once per process: its group coordinator, open transactions, tail and process lock live
 * in the isolate that opened it) to another thread over a MessagePort. The client (client.ts)
 * gets handles for the producers, consumers and the admin it creates; each request names its
 * handle and is answered once, with the value or the error (its code kept).
 */
import type { MessagePort } from 'node:worker_threads';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import type { Admin, Consumer, OutgoingRecord, Producer, Transport } from '../types.js';
import { asBuffer, type PollAnswer, type Request, type Response, toWire } from './protocol.js';

type Handle = { kind: 'producer'; it: Producer } | { kind: 'consumer'; it: Consumer } | { kind: 'admin'; it: Admin };

const PRODUCER_OPS = new Set(['connect', 'send', 'flush', 'beginTransaction', 'sendOffsetsToTransaction', 'commitTransaction', 'abortTransaction', 'close']);
const CONSUMER_OPS = new Set(['assign', 'unassign', 'poll', 'seek', 'pause', 'resume', 'commit', 'committed', 'endOffsets', 'beginningOffsets', 'close']);
const ADMIN_OPS = new Set(['listTopics', 'createTopics', 'createPartitions', 'deleteTopics', 'describeGroup', 'groupOffsets', 'setGroupOffsets', 'offsetsFor']);

export interface TransportHost {
  /** Open producers and consumers (for tests: closed ones are forgotten). */
  handles(): number;
}

export function serveTransport(port: MessagePort, transport: Transport): TransportHost {
  const handles = new Map<number, Handle>();
  let next = 1;
  const answer = (r: Response) => port.postMessage(r);

  async function run(req: Request): Promise<unknown> {
    if (req.target === 0) {
      switch (req.op) {
        case 'connect':
          return transport.connect();
        case 'close':
          return transport.close();
        case 'producer': {
          const id = next++;
          handles.set(id, { kind: 'producer', it: transport.producer((req.args[0] ?? {}) as Parameters<Transport['producer']>[0]) });
          return id;
        }
        case 'consumer': {
          const options = req.args[0] as Parameters<Transport['consumer']>[0];
          // A group member's rebalance callbacks would have to run in the caller's thread while
          // the coordinator waits: group consumers stay in the thread that owns the log.
          if (options.groupId !== undefined) throw unsupported('a group consumer (groupId)');
          const id = next++;
          handles.set(id, { kind: 'consumer', it: transport.consumer(options) });
          return id;
        }
        case 'admin': {
          const id = next++;
          handles.set(id, { kind: 'admin', it: transport.admin() });
          return id;
        }
        default:
          throw unsupported(`transport.${req.op}`);
      }
    }
    const h = handles.get(req.target);
    if (!h) throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `thread transport: no ${req.op} on a closed or unknown handle ${req.target}`);
    if (h.kind === 'producer') {
      if (!PRODUCER_OPS.has(req.op)) throw unsupported(`producer.${req.op}`);
      if (req.op === 'send') return h.it.send((req.args[0] as OutgoingRecord[]).map((r) => ({ ...r, value: asBuffer(r.value) })));
      if (req.op === 'sendOffsetsToTransaction') return h.it.sendOffsetsToTransaction(req.args[0] as never, undefined);
      if (req.op === 'close') handles.delete(req.target);
      const fn = (h.it as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>)[req.op];
      return fn ? fn.apply(h.it, req.args) : undefined;
    }
    if (h.kind === 'consumer') {
      if (!CONSUMER_OPS.has(req.op)) throw unsupported(`consumer.${req.op}`);
      if (req.op === 'poll') {
        const records = await h.it.poll(req.args[0] as number, req.args[1] as number);
        const positions = [];
        for (const tp of h.it.assignment()) {
          const offset = h.it.position(tp);
          if (offset !== undefined) positions.push({ ...tp, offset });
        }
        return { records, positions } satisfies PollAnswer;
      }
      if (req.op === 'close') handles.delete(req.target);
      return (h.it as unknown as Record<string, (...a: unknown[]) => unknown>)[req.op]!.apply(h.it, req.args);
    }
    if (!ADMIN_OPS.has(req.op)) throw unsupported(`admin.${req.op}`);
    return (h.it as unknown as Record<string, (...a: unknown[]) => unknown>)[req.op]!.apply(h.it, req.args);
  }

  port.on('message', (req: Request) => {
    run(req).then(
      (value) => answer({ id: req.id, ok: true, value }),
      (err: unknown) => answer({ id: req.id, ok: false, error: toWire(err) }),
    );
  });
  return { handles: () => handles.size };
}

function unsupported(what: string): AuraError {
  return new AuraError(ErrorCodes.TRANSPORT_FAILED, `thread transport: ${what} is not served across threads`);
}
