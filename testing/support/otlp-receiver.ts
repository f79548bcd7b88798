/**
 * An OTLP/HTTP trace receiver for tests: a real `node:http` server that takes
 * what the SDK's exporters POST to `/v1/traces` and decodes it. OTLP/JSON
 * (exporter-trace-otlp-http) is decoded into spans; OTLP/protobuf
 * (exporter-trace-otlp-proto) is kept as bytes (`protobufBodies`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttributeValue = string | number | boolean | undefined;

/** One span of an export, as the OTLP/JSON encoding carries it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  status: { code?: number; message?: string };
  /** service.name of the resource that exported it. */
  service: AttributeValue;
  scope: string;
}

interface JsonAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: JsonKeyValue[];
  status?: { code?: number; message?: string };
}
interface JsonExport {
  resourceSpans: Array<{ resource?: { attributes?: JsonKeyValue[] }; scopeSpans: Array<{ scope?: { name?: string }; spans?: JsonSpan[] }> }>;
}

const anyValue = (v: JsonAnyValue): AttributeValue =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;

const attributesOf = (list: JsonKeyValue[] = []): Record<string, AttributeValue> => Object.fromEntries(list.map((a) => [a.key, anyValue(a.value)]));

/** Decodes one OTLP/JSON ExportTraceServiceRequest. */
export function decodeJsonExport(body: string): ReceivedSpan[] {
  const parsed = JSON.parse(body) as JsonExport;
  const out: ReceivedSpan[] = [];
  for (const rs of parsed.resourceSpans) {
    const service = attributesOf(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          status: s.status ?? {},
          service,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly protobufBodies: Buffer[] = [];
  /** Every request received, whatever its path (a test of "nothing exported" reads it). */
  requests = 0;
  readonly contentTypes: string[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    let receiver!: OtlpReceiver;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receiver.requests++;
        const body = Buffer.concat(chunks);
        const type = String(req.headers['content-type'] ?? '');
        receiver.contentTypes.push(type);
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        try {
          if (type.startsWith('application/json')) receiver.spans.push(...decodeJsonExport(body.toString('utf8')));
          else if (type.startsWith('application/x-protobuf')) receiver.protobufBodies.push(body);
          else throw new Error(`unexpected content-type ${type}`);
        } catch {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(200, { 'content-type': type.startsWith('application/json') ? 'application/json' : 'application/x-protobuf' });
        res.end(type.startsWith('application/json') ? '{}' : undefined);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new OtlpReceiver(server, `http://127.0.0.1:${port}`);
    return receiver;
  }

  /** The environment that points the SDK at this receiver (OTLP/JSON unless told otherwise). */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { OTEL_EXPORTER_OTLP_ENDPOINT: this.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'aura-test', ...extra };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
