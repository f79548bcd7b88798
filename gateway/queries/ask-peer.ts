/**
 * Asks the instance that owns a task for part of an operator answer: a store
 * entry, a page of a partition, a count. The peer's URL comes from its signed
 * registry record; the request carries a peer token for that instance, method,
 * path and query (auth/cluster.ts) and never the operator's own token;
 * redirects are not followed, the answer is bounded in size and time. A peer
 * that does not answer, or answers 5xx or something that is not JSON, is a 503
 * with Retry-After; its 4xx answers are passed on.
 */

import { PEER_TOKEN_HEADER } from '../auth/cluster.js';
import type { GatewayDeps } from '../deps.js';
import { FORWARDED_HEADER } from '../headers.js';
import { HttpCodes, HttpError } from '../http-error.js';
import type { InstanceInfo } from './instance-registry.js';

const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 5_000;

const unavailable = (message: string) => new HttpError(503, HttpCodes.UNAVAILABLE, message, {}, { 'Retry-After': '1' });

/** The owner of `taskId` to forward to, or a 503 that says why there is none. */
export function forwardable(d: GatewayDeps, taskId: string): InstanceInfo & { url: string } {
  const owner = d.registry.ownerOf(taskId);
  if (!owner?.url) throw unavailable(`task ${taskId} is not running anywhere right now (rebalancing or restoring)`);
  if (!d.cluster.enabled || !owner.trusted) {
    throw new HttpError(
      503,
      HttpCodes.NOT_OWNER,
      `task ${taskId} is on instance ${owner.instance}; forwarding between instances needs AURA_CLUSTER_SECRET`,
      {},
      { 'Retry-After': '1' },
    );
  }
  return owner as InstanceInfo & { url: string };
}

/** GET `target` (path and query) at `owner` on behalf of `user`; the parsed JSON answer and its status. */
export async function askPeer(d: GatewayDeps, user: string, owner: InstanceInfo & { url: string }, target: string): Promise<{ status: number; body: unknown }> {
  const token = await d.cluster.peerToken(owner.instance, user, 'GET', target);
  let res: Response;
  try {
    res = await fetch(owner.url + target, {
      headers: { [PEER_TOKEN_HEADER]: token, [FORWARDED_HEADER]: d.instanceId, accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    d.logger.warn({ instance: owner.instance, err: (err as Error).message }, 'operator query to a peer failed');
    throw unavailable(`instance ${owner.instance} did not answer`);
  }
  if (!((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500))) {
    await res.body?.cancel();
    throw unavailable(`instance ${owner.instance} answered ${res.status}`);
  }
  const text = await readBounded(res, MAX_ANSWER_BYTES).catch(() => undefined);
  try {
    if (text === undefined) throw new Error('too large');
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw unavailable(`instance ${owner.instance} answered something that is not a JSON answer`);
  }
}

/** The body of `res` as text, failing beyond `max` bytes (a peer's answer is input). */
export async function readBounded(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error('answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
