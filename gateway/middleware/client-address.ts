/**
 * The client address a request is rate-limited by. The TCP peer, unless the
 * operator says how many reverse proxies stand in front (`AURA_TRUST_PROXY`,
 * like Express's numeric `trust proxy`): then the entry that many hops from the
 * right of `X-Forwarded-For` — the part a client cannot forge, since each
 * trusted proxy appends the address it saw. IPv6 addresses count per /64 (one
 * host usually holds the whole prefix); IPv4-mapped ones as IPv4.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Context } from 'hono';

export function normalizeAddress(raw: string | undefined): string {
  if (!raw) return 'unknown';
  const a = raw.trim().toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  if (!isIPv6(a)) return a;
  // Expand "::" far enough to take the first four groups.
  const [head = '', tail] = a.split('::');
  const groups = head ? head.split(':') : [];
  if (tail !== undefined) while (groups.length < 4) groups.push('0');
  return `${groups
    .slice(0, 4)
    .map((g) => g || '0')
    .join(':')}::/64`;
}

/** The address of a Node request: the socket's peer, or the `trustProxy`-th entry from the right of X-Forwarded-For. */
export function addressOf(peer: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: number): string {
  if (trustProxy > 0 && forwardedFor) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // With N trusted proxies the last N entries are theirs to vouch for; the one before the first of them is the client.
    const entry = hops[hops.length - trustProxy];
    if (entry) return normalizeAddress(entry);
  }
  return normalizeAddress(peer);
}

export function requestAddress(req: IncomingMessage, trustProxy: number): string {
  return addressOf(req.socket?.remoteAddress, req.headers['x-forwarded-for'], trustProxy);
}

/** The client address of a Hono request served by @hono/node-server (`c.env.incoming`); `local` for `app.request()` in tests. */
export function contextAddress(c: Context, trustProxy: number): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming ? requestAddress(incoming, trustProxy) : 'local';
}
