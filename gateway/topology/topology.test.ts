/**
 * The topology page. The layout: every node and store placed once, nothing
 * overlapping, no edge through a node, and the default pipeline fits a laptop
 * screen. The bottleneck rule. Then, in real headless Chromium on a laptop-
 * sized window, the page of one of two instances sharing a log: numbers from
 * both (instances, per-node rates summed, lag per partition with each
 * partition's owner), no two labels overlapping, no edge crossing a node, no
 * horizontal scrolling. `AURA_SCREENSHOT=1` also writes docs/img/topology.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { createPipelineApp, type PipelineApp } from '../../runtime/app.js';
import { createHashingEmbedder } from '../../testing/hashing-embedder.js';
import { eventually, type Harness, startHarness, TEST_SECRET, testPipeline } from '../../testing/support/gateway-harness.js';
import { createGateway, type Gateway } from '../app.js';
import { findBottleneck } from './cluster.js';
import { layoutTopology, type TopologyLayout } from './layout.js';

/** The page's document and window, inside functions that run in the browser (no DOM types in this project). */
declare const document: {
  querySelector(selector: string): { textContent: string | null; getAttribute(n: string): string | null } | null;
  querySelectorAll(selector: string): ArrayLike<unknown>;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const LAPTOP = { width: 1366, height: 768 };

/** Points along an SVG path of M, H, V, C commands (absolute), every few units. */
function pathPoints(d: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const tokens = d.match(/[MHVC]|-?[\d.]+/g)!;
  let x = 0;
  let y = 0;
  const line = (nx: number, ny: number) => {
    const steps = Math.max(1, Math.ceil(Math.hypot(nx - x, ny - y) / 3));
    for (let i = 1; i <= steps; i++) out.push([x + ((nx - x) * i) / steps, y + ((ny - y) * i) / steps]);
    [x, y] = [nx, ny];
  };
  for (let i = 0; i < tokens.length; ) {
    const cmd = tokens[i++]!;
    const n = () => Number(tokens[i++]);
    if (cmd === 'M') [x, y] = [n(), n()];
    else if (cmd === 'H') line(n(), y);
    else if (cmd === 'V') line(x, n());
    else if (cmd === 'C') {
      const [x1, y1, x2, y2, x3, y3] = [n(), n(), n(), n(), n(), n()];
      const [x0, y0] = [x, y];
      for (let s = 1; s <= 40; s++) {
        const t = s / 40;
        const u = 1 - t;
        out.push([
          u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
          u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
        ]);
      }
      [x, y] = [x3, y3];
    }
  }
  return out;
}

/** Edges that pass through a node other than their own ends (1 px inside its box). */
function crossings(layout: TopologyLayout): string[] {
  const found: string[] = [];
  for (const e of layout.edges) {
    for (const n of layout.nodes) {
      if (n.id === e.from || n.id === e.to) continue;
      const hit = pathPoints(e.d).some(([px, py]) => px > n.x + 1 && px < n.x + n.w - 1 && py > n.y + 1 && py < n.y + n.h - 1);
      if (hit) found.push(`${e.from} -> ${e.to} crosses ${n.id}`);
    }
  }
  return found;
}

describe('layoutTopology', () => {
  const p = testPipeline();
  const layout = layoutTopology(p);

  it('places every node and store once, in its sub-topology band, without overlaps', () => {
    const ids = layout.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !id.startsWith('store:')).sort()).toEqual(Object.keys(p.nodes).sort());
    expect(ids.filter((id) => id.startsWith('store:')).sort()).toEqual(
      Object.keys(p.stores)
        .map((s) => `store:${s}`)
        .sort(),
    );
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
      const band = layout.bands.find((b) => b.subtopology === a.subtopology)!;
      expect(a.y).toBeGreaterThanOrEqual(band.y);
      expect(a.y + a.h).toBeLessThanOrEqual(band.y + band.h);
      expect(a.x + a.w).toBeLessThanOrEqual(layout.width);
    }
    expect(layout.bands.map((b) => b.subtopology)).toEqual(p.subtopologies.map((s) => s.id));
  });

  it('routes every edge (flows, topics between bands, tables, stores) without crossing a node', () => {
    expect(layout.edges.some((e) => e.kind === 'topic')).toBe(true);
    expect(layout.edges.some((e) => e.kind === 'store')).toBe(true);
    expect(layout.edges.some((e) => e.to === 'store:latest_context' && e.kind === 'topic')).toBe(true);
    expect(crossings(layout)).toEqual([]);
    // Data flows left to right inside a band.
    const x = new Map(layout.nodes.map((n) => [n.id, n.x]));
    for (const e of layout.edges.filter((e) => e.kind === 'flow')) expect(x.get(e.to)!).toBeGreaterThan(x.get(e.from)!);
  });

  it('fits a laptop screen in width', () => {
    expect(layout.width).toBeLessThanOrEqual(LAPTOP.width - 24);
  });
});

describe('findBottleneck', () => {
  const p = testPipeline();
  const nodes = (busy: Record<string, number>, on?: string) =>
    Object.fromEntries(
      Object.keys(p.nodes).map((id) => [id, { utilization: busy[id] ?? 0.1, ...(on ? { instances: { [on]: { utilization: busy[id] ?? 0.1 } } } : {}) }]),
    );
  const topic = (id: string, lag: number, trend: number, owner?: string) => ({
    topic: p.topics[id]!.name,
    lag,
    trend,
    partitions: owner ? [{ trend, owner }] : [],
  });

  it('names the busiest node on the instances that own the partitions whose lag grows', () => {
    // Backpressure: b's full vectorize lanes hold back its user_events partitions too.
    const busy = nodes({ vectorize_context: 0.95, aggregate_context: 0.2 }, 'gw-b');
    busy.guardian = { utilization: 0.99, instances: { 'gw-a': { utilization: 0.99 } } };
    const b = findBottleneck(p, busy, [topic('user_events', 100, 20, 'gw-b'), topic('context_aggregated', 500, 42, 'gw-b')]);
    expect(b).toEqual({
      node: 'vectorize_context',
      reason:
        'lag grows on aura360.context.aggregated (+42.0/s, 500 behind), aura360.user.events (+20.0/s, 100 behind); the busiest node on gw-b is vectorize_context (95 % busy)',
    });
  });

  it('without owners, looks among the nodes reading the topic', () => {
    const b = findBottleneck(p, nodes({ vectorize_context: 0.6, aggregate_context: 0.99 }), [topic('context_aggregated', 50, 5)]);
    expect(b).toEqual({
      node: 'vectorize_context',
      reason: 'lag grows on aura360.context.aggregated (+5.0/s, 50 behind); the busiest node reading it is vectorize_context (60 % busy)',
    });
  });

  it('says when lag grows but nothing is busy, names a node near saturation, else nothing', () => {
    expect(
      findBottleneck(p, nodes({}, 'gw-a'), [{ ...topic('user_events', 80, 9, 'gw-a'), partitions: [{ trend: 9, owner: 'gw-a' }] }]) ?? undefined,
    ).toMatchObject({ node: 'aggregate_context' });
    const idle = Object.fromEntries(Object.keys(p.nodes).map((id) => [id, { utilization: 0, instances: { 'gw-a': { utilization: 0 } } }]));
    expect(findBottleneck(p, idle, [topic('user_events', 80, 9, 'gw-a')])).toEqual({
      node: null,
      reason: expect.stringMatching(/no node on gw-a is busy: is an instance down, restoring or rebalancing\?$/),
    });
    expect(findBottleneck(p, nodes({ guardian: 0.9 }), [topic('user_events', 3, 0)])?.node).toBe('guardian');
    expect(findBottleneck(p, nodes({ guardian: 0.5 }), [topic('user_events', 3, 0.5)])).toBeNull();
  });
});

const CLUSTER_SECRET = 'the-cluster-secret-of-the-topology-test-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Embedding delay of instance b (0 until the bottleneck test). */
let slowMs = 0;

describe('GET /topology in headless Chromium, two instances', () => {
  let h: Harness;
  let appB: PipelineApp;
  let gwB: Gateway;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await startHarness({ listen: true, instanceId: 'gw-a', gateway: { sampleIntervalMs: 250, registryIntervalMs: 300, clusterSecret: CLUSTER_SECRET } });
    const logger = createLogger('b', 'silent');
    // Instance b embeds slowly: the partitions it owns of context_aggregated fall behind when events flow.
    const hashing = createHashingEmbedder();
    const slow = {
      model: hashing.model,
      dims: hashing.dims,
      close: () => hashing.close(),
      embed: async (texts: string[]) => {
        await sleep(slowMs);
        return hashing.embed(texts);
      },
    };
    appB = createPipelineApp({
      pipeline: h.pipeline,
      transport: h.transport,
      logger,
      stateDir: path.join(h.dir, 'state-b'),
      instanceId: 'gw-b',
      pollTimeoutMs: 20,
      resources: { overrides: { embedder: slow } },
    });
    await appB.start();
    gwB = createGateway({
      pipeline: h.pipeline,
      transport: h.transport,
      app: appB,
      logger,
      instanceId: 'gw-b',
      stateDir: path.join(h.dir, 'gw-b'),
      auth: { alg: 'HS256', secret: TEST_SECRET },
      registryIntervalMs: 300,
      sampleIntervalMs: 250,
      clusterSecret: CLUSTER_SECRET,
    });
    await gwB.start(0, '127.0.0.1');
    await eventually(
      () =>
        h.app.engine.tasks.size > 0 && appB.engine.tasks.size > 0 && h.gateway.deps.registry.livePeers().some((i) => i.tasks.length > 0) ? true : undefined,
      20_000,
    );
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: LAPTOP });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gwB?.stop();
    await appB?.stop();
    await h?.close();
  });

  it("shows both instances' numbers: rates while events flow, lag per partition with its owner", async () => {
    await page.goto(`${h.url}/topology`);
    await page.waitForSelector('#status.live');
    const drawn = await page.$$eval('[data-node-id]', (els) => els.map((e) => e.getAttribute('data-node-id')));
    expect(drawn.filter((id) => !id!.startsWith('store:')).sort()).toEqual(Object.keys(h.pipeline.nodes).sort());

    // Events flow until the page shows a rate: a rate is per sample (250 ms here) and the page
    // refreshes every 2 s, so a burst that ends before a refresh would rightly read 0 rec/s.
    const users = ['ana', 'ben', 'cora', 'dan', 'eve', 'fay'];
    let posted = 0;
    let flowing = true;
    const flow = (async () => {
      for (let i = 0; flowing || posted < 60; i++) {
        const res = await fetch(`${h.url}/api/holistic/mood-entries/`, {
          method: 'POST',
          headers: await h.auth(users[i % users.length]!),
          body: JSON.stringify({ score: 1 + (i % 10) }),
        });
        expect(res.status).toBe(201);
        posted++;
        await sleep(20);
      }
    })();
    try {
      // Both instances processed some of them: the node's rate here is the sum of theirs.
      await page.waitForFunction(
        () =>
          /^[\d.]+ rec\/s · \d+% busy$/.test(document.querySelector('[data-node-id="aggregate_context"] [data-stat=rate]')?.textContent ?? '') &&
          Number(/^([\d.]+)/.exec(document.querySelector('[data-node-id="aggregate_context"] [data-stat=rate]')!.textContent!)![1]) > 0,
        undefined,
        { timeout: 15_000 },
      );
    } finally {
      flowing = false;
      await flow;
    }
    expect(await page.textContent('#instances')).toBe('2 instances');
    expect(await page.$$eval('#peers tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-instance')}:${r.lastElementChild!.textContent}`))).toEqual([
      'gw-a:included',
      'gw-b:included',
    ]);
    const cluster = (await (await fetch(`${h.url}/topology/cluster`)).json()) as {
      nodes: Record<string, { instances: Record<string, unknown>; processed: number; spark: number[] }>;
    };
    expect(Object.keys(cluster.nodes.aggregate_context!.instances).sort()).toEqual(['gw-a', 'gw-b']);
    await eventually(async () => {
      const c = (await (await fetch(`${h.url}/topology/cluster`)).json()) as { nodes: Record<string, { processed: number }> };
      return c.nodes.aggregate_context!.processed === posted ? true : undefined;
    });
    // Lag per partition, each with its owner: both instances own some.
    const chips = await page.$$eval(`#lag tr[data-topic="${h.pipeline.topics.user_events!.name}"] .chip`, (els) => els.map((e) => e.textContent));
    expect(chips).toHaveLength(6);
    expect(new Set(chips.map((c) => c!.split(' · ')[1]))).toEqual(new Set(['gw-a', 'gw-b']));
    expect(await page.textContent('[data-node-id="user_events-source"] [data-stat=errors]')).toMatch(/^0 errors · lag \d+ (→|↑|↓)/);
    expect(await page.textContent('#bottleneck')).toMatch(/^(Bottleneck: |No bottleneck: )/);
  }, 60_000);

  it('highlights the bottleneck: a lag that grows, and the busiest node reading it', async () => {
    // b embeds one batch a second: each of its keys moves at 1 record/s at most (per-key order),
    // well below the ~25 records/s of which it gets about half.
    slowMs = 1_000;
    let flowing = true;
    const headers = await Promise.all(Array.from({ length: 12 }, (_, i) => h.auth(`user-${i}`)));
    const flow = (async () => {
      for (let i = 0; flowing; i++) {
        await fetch(`${h.url}/api/holistic/mood-entries/`, {
          method: 'POST',
          headers: headers[i % headers.length]!,
          body: JSON.stringify({ score: 1 + (i % 10) }),
        });
        await sleep(20);
      }
    })();
    try {
      // First "near saturation", then — once the lag's trend shows — the growing lag itself. Read in one go:
      // the page refreshes every 2 s, and under load the other instance's lag may grow too.
      const seen = await page.waitForFunction(
        () => {
          const text = document.querySelector('#bottleneck')?.textContent ?? '';
          if (document.querySelector('#graph')?.getAttribute('data-bottleneck') !== 'vectorize_context' || !/^Bottleneck: lag grows on /.test(text))
            return false;
          const highlighted = Array.from(document.querySelectorAll('.node.bottleneck') as ArrayLike<{ getAttribute(n: string): string | null }>).map((e) =>
            e.getAttribute('data-node-id'),
          );
          const growing = Array.from(document.querySelectorAll('#lag .chip.grows') as ArrayLike<{ textContent: string | null }>).map((e) => e.textContent);
          // The slow instance's own partitions show as growing once their trend does (the text may
          // name it first: its busy node is seen before its lag's trend, and the previous test's
          // events may still show as growing on the other instance).
          if (!growing.some((chip) => / · gw-b$/.test(chip ?? ''))) return false;
          return { text, highlighted, growing };
        },
        undefined,
        { timeout: 30_000 },
      );
      const { text, highlighted, growing } = (await seen.jsonValue()) as { text: string; highlighted: string[]; growing: string[] };
      expect(text).toMatch(
        /^Bottleneck: lag grows on aura360\.[\w.]+ \(\+[\d.]+\/s, \d+ behind\).*; the busiest node on ([\w-]+, )*gw-b(, [\w-]+)* is vectorize_context \(\d+ % busy\)$/,
      );
      expect(highlighted).toEqual(['vectorize_context']);
      // The partitions falling behind are listed with their owner: the slow instance among them.
      expect(growing.some((chip) => / · gw-b$/.test(chip))).toBe(true);
      // For the picture in the docs: a few more seconds of backlog, and of sparklines.
      if (process.env.AURA_SCREENSHOT) await sleep(8_000);
      await expectReadable();
    } finally {
      flowing = false;
      await flow;
      slowMs = 0;
    }
  }, 60_000);

  /** No two labels overlap, every label inside its box, no edge through a node, no horizontal scrolling. */
  async function expectReadable(): Promise<void> {
    const boxes = await page.$$eval('svg text.label', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { text: e.textContent, x: r.x, y: r.y, w: r.width, h: r.height };
      }),
    );
    expect(boxes.length).toBeGreaterThan(40);
    const overlaps: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        if (a.x + a.w > b.x + 0.5 && b.x + b.w > a.x + 0.5 && a.y + a.h > b.y + 0.5 && b.y + b.h > a.y + 0.5) overlaps.push(`"${a.text}" / "${b.text}"`);
      }
    }
    expect(overlaps).toEqual([]);
    const outside = await page.$$eval('[data-node-id]', (groups) =>
      groups.flatMap((g) => {
        const box = g.querySelector('rect.box')!.getBoundingClientRect();
        return [...g.querySelectorAll('text')]
          .filter((t) => {
            const r = t.getBoundingClientRect();
            return r.x < box.x || r.y < box.y || r.x + r.width > box.x + box.width || r.y + r.height > box.y + box.height;
          })
          .map((t) => `${g.getAttribute('data-node-id')}: ${t.textContent}`);
      }),
    );
    expect(outside).toEqual([]);
    const layout = (await (await fetch(`${h.url}/topology.json`)).json()) as TopologyLayout;
    expect(crossings(layout)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    if (process.env.AURA_SCREENSHOT) {
      const file = path.resolve(import.meta.dirname, '../../docs/img/topology.png');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file, fullPage: true });
    }
  }
});
