/**
 * HTTP over a bare TCP socket (node:net), for what fetch and WebSocket
 * clients refuse to send: malformed request-targets, broken handshakes,
 * invalid bytes. Sends `request` as is and reads until the server closes or
 * one full response (head + Content-Length body) arrived.
 */
import net from 'node:net';

export interface RawResponse {
  /** The status code, or 0 when the connection closed (or timed out) without a response. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The socket stayed open past `timeoutMs` without a complete response. */
  timedOut: boolean;
}

const parse = (buf: Buffer): { status: number; headers: Record<string, string>; headEnd: number } | undefined => {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, headEnd: end + 4 };
};

export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5_000, host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const head = parse(buf);
      if (!head) return resolve({ status: 0, headers: {}, body: '', timedOut });
      resolve({ status: head.status, headers: head.headers, body: buf.subarray(head.headEnd).toString('utf8'), timedOut: timedOut && head.status === 0 });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const head = parse(buf);
      if (!head) return;
      const chunked = /chunked/i.test(head.headers['transfer-encoding'] ?? '');
      // 101: the handshake succeeded, nothing more to wait for here. Otherwise the body's end, by length or last chunk.
      if (
        head.status === 101 ||
        (chunked
          ? buf.subarray(-5).toString('latin1') === '0\r\n\r\n'
          : buf.length - head.headEnd >= Number(head.headers['content-length'] ?? Number.POSITIVE_INFINITY))
      ) {
        finish(false);
      }
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

export const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A WebSocket handshake for `target` with the given extra header lines (each `Name: value`). */
export function handshake(
  target: string,
  extra: string[] = [],
  base: Partial<Record<'upgrade' | 'connection' | 'version' | 'key', string | null>> = {},
): string {
  const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  const h = { connection: 'Upgrade', upgrade: 'websocket', version: '13', key: WS_KEY, ...base };
  if (h.connection !== null) lines.push(`Connection: ${h.connection}`);
  if (h.upgrade !== null) lines.push(`Upgrade: ${h.upgrade}`);
  if (h.version !== null) lines.push(`Sec-WebSocket-Version: ${h.version}`);
  if (h.key !== null) lines.push(`Sec-WebSocket-Key: ${h.key}`);
  return `${[...lines, ...extra].join('\r\n')}\r\n\r\n`;
}
