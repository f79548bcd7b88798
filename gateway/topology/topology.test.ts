/**
 * The topology page: the layout covers the whole graph without overlaps, and
 * in real headless Chromium the page shows every node and its numbers move
 * while events flow.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, testPipeline, type Harness } from '../../testing/support/gateway-harness.js';
import { layoutTopology } from './layout.js';

/** The page's document, inside functions that run in the browser (no DOM types in this project). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

describe('layoutTopology', () => {
  it('places every node and store once, without overlaps, with edges between placed nodes', () => {
    const p = testPipeline();
    const layout = layoutTopology(p);
    const ids = layout.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !id.startsWith('store:')).sort()).toEqual(Object.keys(p.nodes).sort());
    expect(ids.filter((id) => id.startsWith('store:')).sort()).toEqual(Object.keys(p.stores).map((s) => `store:${s}`).sort());
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
      expect(a.x + a.w).toBeLessThanOrEqual(layout.width);
      expect(a.y + a.h).toBeLessThanOrEqual(layout.height);
    }
    for (const e of layout.edges) expect(ids).toContain(e.from), expect(ids).toContain(e.to);
    // Data flows left to right: every flow edge goes to a later column.
    const x = new Map(layout.nodes.map((n) => [n.id, n.x]));
    for (const e of layout.edges.filter((e) => e.kind !== 'store')) expect(x.get(e.to)!).toBeGreaterThan(x.get(e.from)!);
  });
});

describe('GET /topology in headless Chromium', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness({ listen: true, gateway: { sampleIntervalMs: 250 } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('draws every node and updates the live numbers while events flow', async () => {
    const page = await browser.newPage();
    await page.goto(`${h.url}/topology`);
    await page.waitForSelector('#status.live');
    const drawn = await page.$$eval('[data-node-id]', (els) => els.map((e) => e.getAttribute('data-node-id')));
    expect(drawn.filter((id) => !id!.startsWith('store:')).sort()).toEqual(Object.keys(h.pipeline.nodes).sort());
    const rateText = () => page.textContent('[data-node-id="aggregate_context"] [data-stat=rate]');
    const before = await rateText();
    expect(before).toMatch(/ 0 total$/);

    const headers = await h.auth('ana');
    const flowing = (async () => {
      for (let i = 0; i < 40; i++) {
        await fetch(`${h.url}/api/holistic/mood-entries/`, { method: 'POST', headers, body: JSON.stringify({ score: 1 + (i % 10) }) });
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    // While events flow the node shows a non-zero rate and a growing total.
    await page.waitForFunction(() => {
      const t = document.querySelector('[data-node-id="aggregate_context"] [data-stat=rate]')?.textContent ?? '';
      const m = /^([\d.]+) rec\/s · (\d+) total$/.exec(t);
      return m !== null && Number(m[1]) > 0 && Number(m[2]) > 0;
    }, undefined, { timeout: 15_000 });
    const during = await rateText();
    await flowing;
    await page.waitForFunction(() => /\b40 total$/.test(document.querySelector('[data-node-id="ingest_vectors"] [data-stat=rate]')?.textContent ?? ''), undefined, { timeout: 15_000 });
    expect(during).not.toBe(before);
    const header = await page.textContent('#totals');
    expect(header).toMatch(/consumed [1-9]\d*/);
    // Source nodes also show their topic's consumer lag.
    expect(await page.textContent('[data-node-id="user_events-source"] [data-stat=errors]')).toMatch(/lag \d+$/);
    await page.close();
  }, 60_000);
});
