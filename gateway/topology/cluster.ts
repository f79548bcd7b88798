/**
 * The cluster view of the topology page (`/topology/cluster`): this
 * instance's numbers and every live peer's (fetched from the URL of its
 * signed registry record — without AURA_CLUSTER_SECRET records are not
 * trusted and peers are listed but not asked), summed per node; the group's
 * lag per partition with its trend and owner; and the bottleneck — the
 * busiest node reading a topic whose lag grows, else a node near saturation.
 */
import type { Pipeline } from '../../topology/model.js';
import type { GatewayDeps } from '../deps.js';
import { readBounded } from '../queries/ask-peer.js';
import type { Bottleneck, ClusterNode, ClusterView, TopicLag } from './schemas.js';
import { type InstanceSnapshot, instanceSnapshot, type NodeNumbers, parseSnapshot, TOTALS } from './snapshot.js';

const PEER_TIMEOUT_MS = 1_500;
const MAX_PEER_BYTES = 2 * 1024 * 1024;
/** Lag that grows faster than this (records/s) is falling behind. */
const GROWING = 1;
const SATURATED = 0.8;
/** Below this a node is not what holds anything back. */
const IDLE = 0.05;

export async function clusterView(d: GatewayDeps, cache: PeerCache): Promise<ClusterView> {
  const here = instanceSnapshot(d);
  const ids = Object.keys(d.pipeline.nodes);
  const peers = d.registry.livePeers();
  const fetched = await Promise.all(peers.map((p) => cache.get(p.instance, p.url, p.trusted && d.cluster.enabled, ids)));
  const snapshots = [here, ...fetched.flatMap((f) => (f.snapshot ? [f.snapshot] : []))];
  const instances = [
    { instance: here.instance, url: d.advertisedUrl ?? null, here: true, ok: true, tasks: here.tasks.length },
    ...peers.map((p, i) => ({
      instance: p.instance,
      url: p.url,
      here: false,
      ok: Boolean(fetched[i]!.snapshot),
      tasks: p.tasks.length,
      ...(fetched[i]!.problem ? { problem: fetched[i]!.problem } : {}),
    })),
  ];
  const nodes = mergeNodes(ids, snapshots);
  const topics = topicLags(
    d,
    peers.map((p) => ({ instance: p.instance, tasks: p.tasks })),
  );
  const totals = { recordsConsumed: 0, recordsProduced: 0, deadLetters: 0, commits: 0, lag: topics.reduce((n, t) => n + t.lag, 0) };
  for (const s of snapshots) for (const k of TOTALS) totals[k] += s.totals[k];
  return {
    app: d.pipeline.app,
    at: d.now(),
    instance: d.instanceId,
    instances,
    nodes,
    spark: { start: here.series.start, stepMs: here.series.stepMs },
    topics,
    totals,
    bottleneck: findBottleneck(d.pipeline, nodes, topics),
  };
}

function mergeNodes(ids: string[], snapshots: InstanceSnapshot[]): Record<string, ClusterNode> {
  const out: Record<string, ClusterNode> = {};
  const base = snapshots[0]!.series;
  for (const id of ids) {
    const n: ClusterNode = { processed: 0, errors: 0, rate: 0, errorRate: 0, latencyAvgMs: 0, busy: 0, utilization: 0, instances: {}, spark: [] };
    let latencyWeight = 0;
    for (const s of snapshots) {
      const x = s.nodes[id];
      if (!x) continue;
      n.processed += x.processed;
      n.errors += x.errors;
      n.rate += x.rate;
      n.errorRate += x.errorRate;
      n.latencyAvgMs += x.latencyAvgMs * x.processed;
      latencyWeight += x.processed;
      n.busy = Math.max(n.busy, x.busy);
      n.utilization = Math.max(n.utilization, x.utilization);
      n.instances[s.instance] = { rate: x.rate, busy: x.busy, utilization: x.utilization };
    }
    n.latencyAvgMs = latencyWeight > 0 ? n.latencyAvgMs / latencyWeight : 0;
    // Sparklines: buckets of wall-clock time, summed over instances where they line up.
    const spark = new Array((base.nodes[id]?.rate ?? []).length).fill(0) as number[];
    for (const s of snapshots) {
      const series = s.series.nodes[id]?.rate ?? [];
      const shift = Math.round((s.series.start - base.start) / base.stepMs);
      if (s.series.stepMs !== base.stepMs) continue;
      series.forEach((v, i) => {
        if (i + shift >= 0 && i + shift < spark.length) spark[i + shift]! += v;
      });
    }
    n.spark = spark.map((v) => Math.round(v * 100) / 100);
    out[id] = n;
  }
  return out;
}

function topicLags(d: GatewayDeps, peers: Array<{ instance: string; tasks: string[] }>): TopicLag[] {
  const here = new Set(d.app.engine.tasks.keys());
  const ownerOf = (taskIds: string[]) => {
    if (taskIds.some((t) => here.has(t))) return d.instanceId;
    return peers.find((p) => taskIds.some((t) => p.tasks.includes(t)))?.instance ?? null;
  };
  const series = d.lag.topicSeries();
  const byTopic = new Map<string, TopicLag>();
  for (const [k, lag] of [...d.lag.lag].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
    const i = k.lastIndexOf(':');
    const topic = k.slice(0, i);
    const partition = Number(k.slice(i + 1));
    const readers = d.pipeline.subtopologies.filter((st) => [...st.sourceTopics, ...st.tableTopics].some((id) => d.pipeline.topics[id]?.name === topic));
    const t = byTopic.get(topic) ?? { topic, lag: 0, trend: 0, spark: series.topics[topic] ?? [], partitions: [] };
    const trend = Math.round(d.lag.trend(k) * 100) / 100;
    t.partitions.push({ partition, lag, trend, owner: ownerOf(readers.map((st) => `${st.id}_${partition}`)) });
    t.lag += lag;
    t.trend = Math.round((t.trend + trend) * 100) / 100;
    byTopic.set(topic, t);
  }
  return [...byTopic.values()];
}

/**
 * Where the pipeline is backed up. When lag grows, the busiest node on the instances that own
 * the growing partitions (an instance runs all its tasks on one loop: a saturated node there —
 * or its full lanes — holds back every partition the instance owns), among the nodes reading
 * those topics when no owner is known; when no node is busy there, it says so (an instance
 * down, restoring, or a rebalance). Without growing lag, a node above 80 % of what it can do.
 */
export function findBottleneck(
  p: Pipeline,
  nodes: Record<string, Pick<NodeNumbers, 'utilization'> & { instances?: Record<string, { utilization: number }> }>,
  topics: Array<Pick<TopicLag, 'topic' | 'lag' | 'trend'> & { partitions?: Array<{ trend: number; owner: string | null }> }>,
): Bottleneck | null {
  const isWorker = (id: string) => p.nodes[id]?.kind === 'processor' || p.nodes[id]?.kind === 'join';
  const growing = topics.filter((t) => t.lag > 0 && t.trend > GROWING).sort((a, b) => b.trend - a.trend);
  if (growing.length > 0) {
    const owners = [...new Set(growing.flatMap((t) => (t.partitions ?? []).filter((x) => x.trend > 0 && x.owner).map((x) => x.owner!)))].sort();
    const readers = new Set(
      p.subtopologies
        .filter((st) => [...st.sourceTopics, ...st.tableTopics].some((id) => growing.some((t) => p.topics[id]?.name === t.topic)))
        .flatMap((st) => st.nodes),
    );
    const candidates = Object.keys(p.nodes).filter((id) => isWorker(id) && (owners.length > 0 || readers.has(id)));
    const score = (id: string) =>
      owners.length > 0 ? Math.max(0, ...owners.map((o) => nodes[id]?.instances?.[o]?.utilization ?? 0)) : (nodes[id]?.utilization ?? 0);
    const node = candidates.sort((a, b) => score(b) - score(a))[0];
    const what = `lag grows on ${growing.map((t) => `${t.topic} (+${fmt(t.trend)}/s, ${t.lag} behind)`).join(', ')}`;
    const where = owners.length > 0 ? `on ${owners.join(', ')}` : 'reading it';
    if (!node || score(node) < IDLE) return { node: null, reason: `${what}, yet no node ${where} is busy: is an instance down, restoring or rebalancing?` };
    return { node, reason: `${what}; the busiest node ${where} is ${node} (${Math.round(score(node) * 100)} % busy)` };
  }
  const top = Object.keys(p.nodes)
    .filter(isWorker)
    .sort((a, b) => (nodes[b]?.utilization ?? 0) - (nodes[a]?.utilization ?? 0))[0];
  const u = top ? (nodes[top]?.utilization ?? 0) : 0;
  if (top && u >= SATURATED) return { node: top, reason: `${top} is near saturation (${Math.round(u * 100)} % busy); no lag is growing yet` };
  return null;
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** Peers' snapshots, kept a second so that pages polling many instances do not multiply requests. */
export class PeerCache {
  private readonly entries = new Map<string, { at: number; result: Promise<{ snapshot?: InstanceSnapshot; problem?: string }> }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(instance: string, url: string | null, trusted: boolean, ids: string[]): Promise<{ snapshot?: InstanceSnapshot; problem?: string }> {
    if (!url) return Promise.resolve({ problem: 'no URL advertised' });
    if (!trusted) return Promise.resolve({ problem: 'not asked: registry records are only trusted with AURA_CLUSTER_SECRET' });
    const hit = this.entries.get(instance);
    if (hit && this.now() - hit.at < 1_000) return hit.result;
    const result = fetchSnapshot(url, ids);
    this.entries.set(instance, { at: this.now(), result });
    for (const [k, v] of this.entries) if (this.now() - v.at > 60_000) this.entries.delete(k);
    return result;
  }
}

async function fetchSnapshot(url: string, ids: string[]): Promise<{ snapshot?: InstanceSnapshot; problem?: string }> {
  try {
    const res = await fetch(`${url}/topology/instance`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { problem: `answered ${res.status}` };
    }
    const text = await readBounded(res, MAX_PEER_BYTES).catch(() => undefined);
    if (text === undefined) return { problem: 'answer too large' };
    const snapshot = parseSnapshot(JSON.parse(text), ids);
    return snapshot ? { snapshot } : { problem: 'answer is not a topology snapshot' };
  } catch (err) {
    return { problem: `did not answer (${(err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message})` };
  }
}
