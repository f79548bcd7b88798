/**
 * The WebSocket side of the contract, for the test client (ws-client.ts):
 * every message the gateway sends on a channel must validate against the
 * payload schema of that channel's message of the same `type` in the AsyncAPI
 * document (docs/asyncapi.yaml, generated from schemas/ws/), and every close
 * code must be one of the channel's `x-close-codes`.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { asyncApiDocument } from '../../topology/describe/asyncapi.js';
import { testPipeline } from './gateway-harness.js';

// biome-ignore lint/suspicious/noExplicitAny: the document is walked by the keys AsyncAPI defines
type Obj = Record<string, any>;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

interface Channel {
  /** Validators of what the gateway sends, by the message's `type` (`undefined`: a channel of one message without one). */
  messages: Map<string | undefined, { id: string; validate: ValidateFunction }>;
  closeCodes: Set<number>;
}

export class WsContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  private readonly channels = new Map<string, Channel>();

  constructor(readonly doc: Obj) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, 'asyncapi');
    for (const [id, ch] of Object.entries<Obj>(doc.channels)) {
      if (!ch.bindings?.ws) continue;
      const sent = Object.values<Obj>(doc.operations).filter((op) => op.action === 'send' && op.channel.$ref === `#/channels/${id}`);
      const messages: Channel['messages'] = new Map();
      for (const ref of sent.flatMap((op) => op.messages.map((m: Obj) => m.$ref as string))) {
        const message = ch.messages[ref.split('/').pop()!].$ref.split('/').pop() as string;
        const payload = doc.components.messages[message].payload.$ref as string;
        const type = doc.components.schemas[payload.split('/').pop()!].properties?.type?.const as string | undefined;
        messages.set(type, { id: message, validate: this.ajv.compile({ $ref: `asyncapi${payload}` }) });
      }
      this.channels.set(ch.address, { messages, closeCodes: new Set(ch['x-close-codes'].map((c: Obj) => c.code)) });
    }
  }

  /** What is wrong with a message received on `path` (empty: it is a declared message of that channel). */
  checkMessage(path: string, message: unknown): string[] {
    const channel = this.channels.get(path);
    if (!channel) return [`no WebSocket channel at ${path}`];
    const type = (message as { type?: unknown } | null)?.type;
    const declared =
      channel.messages.get(typeof type === 'string' ? type : undefined) ??
      (channel.messages.size === 1 && !channel.messages.has(type as string) ? channel.messages.get(undefined) : undefined);
    if (!declared) return [`message type ${JSON.stringify(type)} is not declared on ${path}: ${JSON.stringify(message).slice(0, 200)}`];
    if (declared.validate(message)) return [];
    return [`${declared.id}: ${this.ajv.errorsText(declared.validate.errors, { dataVar: 'message' })} — got ${JSON.stringify(message).slice(0, 300)}`];
  }

  checkClose(path: string, code: number): string[] {
    const channel = this.channels.get(path);
    return channel && !channel.closeCodes.has(code) ? [`close code ${code} is not declared on ${path} (${[...channel.closeCodes].join(', ')})`] : [];
  }
}

let shared: WsContract | undefined;

/** The contract of the default pipeline's gateway (the WebSocket channels are the same for every pipeline). */
export function wsContract(): WsContract {
  return (shared ??= new WsContract(JSON.parse(JSON.stringify(asyncApiDocument(testPipeline())))));
}
