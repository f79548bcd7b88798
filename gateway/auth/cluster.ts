/**
 * Trust between gateway instances, from one shared secret
 * (`AURA_CLUSTER_SECRET`), for interactive queries forwarded to the instance
 * that owns a partition:
 *   - registry records are signed (HMAC-SHA256 over instance, url, tasks, at):
 *     a record written to the registry topic without the secret is ignored, so
 *     no record can point forwarded queries at another address;
 *   - a forwarded query carries a peer token instead of the user's bearer
 *     token: HS256, valid 30 s, naming the user the first instance verified,
 *     the target instance (`aud`), the method and the path. The user's own
 *     token never leaves the instance it was sent to.
 * Keys for the two uses are derived separately from the secret. Without a
 * secret an instance neither forwards nor accepts forwarded queries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sign, verify } from 'hono/jwt';
import type { JWTPayload } from 'hono/utils/jwt/types';
import { unauthorized, userIdOf } from './auth.js';

/** Header of a forwarded query's peer token. */
export const PEER_TOKEN_HEADER = 'x-aura-peer-token';
const PEER_TOKEN_TTL_S = 30;

const derive = (secret: string, label: string) => createHmac('sha256', secret).update(label).digest('base64url');

export interface SignedFields {
  instance: string;
  url: string | null;
  tasks: string[];
  at: number;
}

export class ClusterAuth {
  private readonly recordKey?: string;
  private readonly tokenKey?: string;

  constructor(
    secret: string | undefined,
    private readonly instanceId: string,
  ) {
    if (secret) {
      this.recordKey = derive(secret, 'aura-registry-record-v1');
      this.tokenKey = derive(secret, 'aura-peer-token-v1');
    }
  }

  get enabled(): boolean {
    return this.recordKey !== undefined;
  }

  /** The signature of a registry record (undefined without a secret). */
  signRecord(f: SignedFields): string | undefined {
    if (!this.recordKey) return undefined;
    return createHmac('sha256', this.recordKey)
      .update(JSON.stringify([f.instance, f.url, f.tasks, f.at]))
      .digest('base64url');
  }

  verifyRecord(f: SignedFields, sig: unknown): boolean {
    const expected = this.signRecord(f);
    if (expected === undefined || typeof sig !== 'string') return false;
    const a = Buffer.from(sig);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A token for one forwarded request of `user` to instance `to`. */
  async peerToken(to: string, user: string, method: string, path: string): Promise<string> {
    if (!this.tokenKey) throw new Error('cluster auth: no AURA_CLUSTER_SECRET');
    const now = Math.floor(Date.now() / 1000);
    return sign(
      { sub: user, iss: `aura-peer:${this.instanceId}`, aud: `aura-peer:${to}`, htm: method, htu: path, iat: now, exp: now + PEER_TOKEN_TTL_S },
      this.tokenKey,
      'HS256',
    );
  }

  /** The user a peer token vouches for, when it was made for this instance and this very request; 401 otherwise. */
  async verifyPeerToken(token: string, method: string, path: string): Promise<string> {
    if (!this.tokenKey) throw unauthorized('this instance accepts no forwarded requests (no AURA_CLUSTER_SECRET)');
    let p: JWTPayload;
    try {
      p = await verify(token, this.tokenKey, { alg: 'HS256' });
    } catch {
      throw unauthorized('the peer token does not verify');
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof p.exp !== 'number' || p.exp - now > PEER_TOKEN_TTL_S) throw unauthorized('the peer token has no valid expiry');
    if (p.aud !== `aura-peer:${this.instanceId}` || p.htm !== method || p.htu !== path) throw unauthorized('the peer token was made for another request');
    return userIdOf(p);
  }
}
