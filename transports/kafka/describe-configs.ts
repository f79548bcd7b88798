/**
 * Topic configs straight from the cluster (Kafka's DescribeConfigs, API 32,
 * v1) over one short-lived connection. The librdkafka binding exposes no
 * DescribeConfigs, and `aura topics plan` must see the real `cleanup.policy`
 * and `retention.ms` of topics someone else created. Speaks PLAINTEXT and SSL,
 * with SASL/PLAIN (Confluent Cloud API keys) when configured; any other SASL
 * mechanism, or any failure, answers `undefined`: the configs stay unverified.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { KafkaConnectionConfig } from './config.js';

const API_SASL_HANDSHAKE = 17;
const API_DESCRIBE_CONFIGS = 32;
const API_SASL_AUTHENTICATE = 36;
const RESOURCE_TOPIC = 2;
const TIMEOUT_MS = 10_000;

/** The configs asked for, per topic; `undefined` when the cluster could not be asked. */
export async function describeTopicConfigs(
  config: KafkaConnectionConfig,
  topics: string[],
  keys: string[],
): Promise<Map<string, Record<string, string>> | undefined> {
  if (topics.length === 0) return new Map();
  const protocol = (config.securityProtocol ?? 'plaintext').toLowerCase();
  const sasl = protocol.startsWith('sasl');
  if (sasl && config.saslMechanism?.toUpperCase() !== 'PLAIN') return undefined;
  const [host, portText] = splitHostPort(config.brokers.split(',')[0]!.trim());
  let conn: Connection | undefined;
  try {
    // The CA librdkafka is told to trust (KAFKA_SSL_CA_LOCATION) is trusted here too.
    const ca = config.sslCaLocation ? fs.readFileSync(config.sslCaLocation) : undefined;
    conn = await Connection.open(host, Number(portText), protocol.endsWith('ssl'), config.clientId, ca);
    if (sasl) await conn.authenticatePlain(config.saslUsername ?? '', config.saslPassword ?? '');
    return await conn.describeConfigs(topics, keys);
  } catch {
    return undefined;
  } finally {
    conn?.close();
  }
}

function splitHostPort(hostPort: string): [string, string] {
  const i = hostPort.lastIndexOf(':');
  return i < 0 ? [hostPort, '9092'] : [hostPort.slice(0, i).replace(/^\[|\]$/g, ''), hostPort.slice(i + 1)];
}

class Connection {
  private buffer = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void) | undefined;
  private failed: ((err: Error) => void) | undefined;
  private correlation = 0;

  private constructor(
    private readonly socket: net.Socket,
    private readonly clientId: string,
  ) {
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (e) => this.failed?.(e));
    socket.on('close', () => this.failed?.(new Error('connection closed')));
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timed out')));
  }

  static open(host: string, port: number, secure: boolean, clientId: string, ca?: Buffer): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...(ca ? { ca } : {}) }) : net.connect({ host, port });
      socket.once(secure ? 'secureConnect' : 'connect', () => resolve(new Connection(socket, clientId)));
      socket.once('error', reject);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  async authenticatePlain(user: string, password: string): Promise<void> {
    const hs = new Reader(await this.request(API_SASL_HANDSHAKE, 1, new Writer().string('PLAIN').done()));
    if (hs.int16() !== 0) throw new Error('SASL handshake refused');
    const token = Buffer.from(`\0${user}\0${password}`, 'utf8');
    const auth = new Reader(await this.request(API_SASL_AUTHENTICATE, 1, new Writer().bytes(token).done()));
    if (auth.int16() !== 0) throw new Error(`SASL authentication failed: ${auth.nullableString()}`);
  }

  async describeConfigs(topics: string[], keys: string[]): Promise<Map<string, Record<string, string>>> {
    const w = new Writer().int32(topics.length);
    for (const t of topics) {
      w.int8(RESOURCE_TOPIC).string(t).int32(keys.length);
      for (const k of keys) w.string(k);
    }
    const r = new Reader(await this.request(API_DESCRIBE_CONFIGS, 1, w.int8(0).done()));
    r.int32(); // throttle_time_ms
    const out = new Map<string, Record<string, string>>();
    for (let n = r.int32(), i = 0; i < n; i++) {
      const error = r.int16();
      r.nullableString(); // error_message
      r.int8(); // resource_type
      const name = r.string();
      const configs: Record<string, string> = {};
      for (let m = r.int32(), j = 0; j < m; j++) {
        const key = r.string();
        const value = r.nullableString();
        r.int8(); // read_only
        r.int8(); // config_source
        r.int8(); // is_sensitive
        for (let s = r.int32(), k = 0; k < s; k++) r.string(), r.nullableString(), r.int8(); // synonyms
        if (value !== null) configs[key] = value;
      }
      if (error === 0) out.set(name, configs);
    }
    return out;
  }

  private request(apiKey: number, version: number, body: Buffer): Promise<Buffer> {
    const header = new Writer()
      .int16(apiKey)
      .int16(version)
      .int32(++this.correlation)
      .string(this.clientId)
      .done();
    const frame = Buffer.concat([Buffer.alloc(4), header, body]);
    frame.writeInt32BE(frame.length - 4, 0);
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting = (response) => resolve(response.subarray(4)); // past correlation_id
      this.failed = reject;
      this.socket.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length < 4) return;
    const size = this.buffer.readInt32BE(0);
    if (this.buffer.length < 4 + size) return;
    const frame = this.buffer.subarray(4, 4 + size);
    this.buffer = this.buffer.subarray(4 + size);
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.(frame);
  }
}

class Writer {
  private readonly parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    return this.int16(bytes.length).push(bytes);
  }
  bytes(b: Buffer): this {
    return this.int32(b.length).push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new Error('unexpected null string');
    return s;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}
