/**
 * A WebSocket client for tests and the load test (Node 20 has no global
 * WebSocket; `ws` is what the gateway's WebSocket server runs on). Collects every message and
 * lets a test wait for one that matches. Every message and close code is held to the
 * AsyncAPI document (ws-contract.ts); a violation goes where the HTTP ones go (the test that
 * saw it fails: contract-setup.ts).
 */
import { WebSocket } from 'ws';
import { reportViolation } from '../../gateway/openapi/violations.js';
import { wsContract } from './ws-contract.js';

export interface StreamMessage {
  seq?: number;
  type: string;
  [k: string]: unknown;
}

export class TestSocket {
  readonly messages: StreamMessage[] = [];
  closed?: { code: number; reason: string };
  private waiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly path: string,
  ) {
    // As the gateway's own response check: on in the test suite, off in the load test (its client's CPU counts).
    const checked = process.env.AURA_CHECK_RESPONSES === '1';
    const violation = (what: string, problems: () => string[]) => {
      const found = checked ? problems() : [];
      if (found.length > 0) reportViolation({ source: 'ws', method: what, path, status: 0, problems: found });
    };
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as StreamMessage;
      violation('MESSAGE', () => wsContract().checkMessage(path, message));
      this.messages.push(message);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      violation('CLOSE', () => wsContract().checkClose(path, code));
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Opens `url`; rejects with `HTTP <status>` when the upgrade is refused. */
  static connect(url: string, protocols?: string[]): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      const socket = new TestSocket(ws, new URL(url).pathname);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req: unknown, res: { statusCode?: number }) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', (err: Error) => reject(err));
    });
  }

  /** Resolves with the first message (from the start) matching `pred`. */
  async waitFor(pred: (m: StreamMessage) => boolean, ms = 10_000): Promise<StreamMessage> {
    const until = Date.now() + ms;
    for (;;) {
      const hit = this.messages.find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before the message came`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${ms} ms; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Resolves once the socket is closed (by either side). */
  async waitClosed(ms = 5_000): Promise<{ code: number; reason: string }> {
    const until = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > until) throw new Error('socket still open');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.ws.close(1000, 'bye');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export function wsUrl(httpUrl: string, path: string): string {
  return httpUrl.replace(/^http/, 'ws') + path;
}
