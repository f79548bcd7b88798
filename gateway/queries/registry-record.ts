/**
 * One record of the instance registry topic, checked field by field: the
 * topic is written by every instance and readable (often writable) by whoever
 * has access to the cluster, so its contents are client input. The URL must be
 * a bare http(s) origin — no credentials, path, query or fragment — which is
 * what forwarding appends a path to.
 */
import type { ClusterAuth } from '../auth/cluster.js';
import type { InstanceInfo } from './instance-registry.js';

const MAX_TASKS = 10_000;
const TASK_ID = /^[\w.-]{1,100}$/;

/** `scheme://host:port` of an http(s) URL with nothing else in it, or a reason it is not one. */
export function originOf(raw: unknown): { origin: string } | { problem: string } {
  if (typeof raw !== 'string' || raw.length > 2_000) return { problem: 'url is not a string' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { problem: 'url does not parse' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { problem: `url scheme ${u.protocol} is not http(s)` };
  if (!u.hostname) return { problem: 'url has no host' };
  if (u.username || u.password) return { problem: 'url carries credentials' };
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return { problem: 'url is not a bare origin (path, query or fragment)' };
  return { origin: u.origin };
}

export function parseRecord(key: string, value: Buffer, cluster: ClusterAuth): InstanceInfo | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(value.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'not an object' };
  const r = v as Record<string, unknown>;
  if (r.instance !== key) return { problem: 'instance does not match the record key' };
  if (!Array.isArray(r.tasks) || r.tasks.length > MAX_TASKS || !r.tasks.every((t) => typeof t === 'string' && TASK_ID.test(t)))
    return { problem: 'tasks is not a list of task ids' };
  if (typeof r.at !== 'number' || !Number.isFinite(r.at)) return { problem: 'at is not a time' };
  let url: string | null = null;
  if (r.url !== null) {
    const o = originOf(r.url);
    if ('problem' in o) return o;
    url = o.origin;
  }
  const info = { instance: key, url, tasks: r.tasks as string[], at: r.at };
  const trusted = cluster.verifyRecord({ ...info, url: r.url as string | null }, r.sig);
  if (cluster.enabled && !trusted) return { problem: 'signature does not verify with AURA_CLUSTER_SECRET' };
  return { ...info, trusted };
}
