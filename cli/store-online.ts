/**
 * `aura store --url`: the same reads through a running instance's operator
 * API (gateway/queries/store-routes.ts), which answers for every partition
 * wherever its task runs. The token is sent to that URL only.
 */
import { AuraError, ErrorCodes } from '../common/errors.js';
import type { StoreCommand, StoreReadResult } from './store-offline.js';

export interface OnlineRequest {
  url: string;
  token: string;
  store: string;
  key?: string;
  prefix?: string;
  limit?: number;
}

async function call(r: OnlineRequest, target: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const base = r.url.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${target}`, { headers: { authorization: `Bearer ${r.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${base} did not answer: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status >= 400 && res.status !== 404) {
    const message = (body.error as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
    throw new AuraError(ErrorCodes.TRANSPORT_FAILED, `${base} answered ${res.status}: ${message}`);
  }
  return { status: res.status, body };
}

export async function onlineStore(command: StoreCommand, r: OnlineRequest): Promise<StoreReadResult> {
  const path = `/api/ops/stores/${encodeURIComponent(r.store)}`;
  if (command === 'get') {
    const { status, body } = await call(r, `${path}/${encodeURIComponent(r.key!)}`);
    if (status === 404) return { kind: 'missing', message: (body.error as { message?: string } | undefined)?.message ?? 'not found' };
    return { kind: 'ok', body };
  }
  const params = new URLSearchParams();
  if (r.prefix) params.set('prefix', r.prefix);
  if (command === 'count') {
    params.set('count', 'true');
    const { status, body } = await call(r, `${path}?${params}`);
    if (status === 404) return { kind: 'missing', message: (body.error as { message?: string } | undefined)?.message ?? 'not found' };
    return { kind: 'ok', body };
  }
  const limit = r.limit ?? 100;
  const entries: unknown[] = [];
  let cursor: string | null = null;
  do {
    params.set('limit', String(Math.min(1000, limit - entries.length)));
    if (cursor) params.set('cursor', cursor);
    const { status, body } = await call(r, `${path}?${params}`);
    if (status === 404) return { kind: 'missing', message: (body.error as { message?: string } | undefined)?.message ?? 'not found' };
    entries.push(...((body.entries as unknown[]) ?? []));
    cursor = (body.next_cursor as string | null) ?? null;
  } while (cursor && entries.length < limit);
  return { kind: 'ok', body: undefined, entries };
}
