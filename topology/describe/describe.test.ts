/**
 * `aura describe` formats, checked by real parsers: the text is read back into
 * a graph, the DOT is laid out by Graphviz (compiled to WebAssembly), and the
 * Mermaid is parsed by mermaid itself in headless Chromium.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instance as vizInstance } from '@viz-js/viz';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePipeline } from '../compile.js';
import type { Pipeline } from '../model.js';
import { describeDot, describeMermaid, describePipeline, describeText } from './index.js';

const source = fs.readFileSync(fileURLToPath(new URL('../../pipeline.yaml', import.meta.url)), 'utf8');
const pipeline: Pipeline = compilePipeline(source, 'pipeline.yaml', { env: {} }).pipeline!;
const userTopics = Object.values(pipeline.topics).filter((t) => !t.internal);
const processorsAndJoins = Object.values(pipeline.nodes).filter((n) => n.kind === 'processor' || n.kind === 'join');

describe('describe --format text (Kafka Streams layout)', () => {
  const text = describeText(pipeline);

  it('starts like Topology.describe(), with its indentation', () => {
    expect(
      text.startsWith(
        'Topologies:\n   Sub-topology: 0\n    Source: user_events-source (topics: [aura360.user.events])\n      --> aggregate_context, split_events\n',
      ),
    ).toBe(true);
    expect(text).toContain('\n\n  Sub-topology: 1\n    Source: context_aggregated-source (topics: [aura360.context.aggregated])\n');
    expect(text).toContain(
      '    Processor: aggregate_context (stores: [user_context])\n      --> aggregate_context-to-context_aggregated\n      <-- user_events-source\n',
    );
    expect(text).toContain('    Sink: aggregate_context-to-context_aggregated (topic: aura360.context.aggregated)\n      <-- aggregate_context\n');
  });

  it('reads back into exactly the compiled graph', () => {
    const blocks = text.split('\n\n').filter((b) => /^\s*Sub-topology: \d+\n/.test(b.replace(/^Topologies:\n/, '')));
    expect(blocks).toHaveLength(pipeline.subtopologies.length);
    const successors = new Map<string, string[]>();
    const predecessors = new Map<string, string[]>();
    blocks.forEach((block, i) => {
      const lines = block.replace(/^Topologies:\n/, '').split('\n');
      expect(lines[0].trim()).toBe(`Sub-topology: ${i}`);
      let current = '';
      const names: string[] = [];
      for (const line of lines.slice(1)) {
        const node = /^ {4}(Source|Processor|Sink): (\S+) \((topics|stores|topic): \[?([^\]]*)\]?\)$/.exec(line);
        const link = /^ {6}(-->|<--) (.+)$/.exec(line);
        if (node) {
          current = node[2];
          names.push(current);
          // Joins are processors in Kafka Streams' description.
          const kind = pipeline.nodes[current].kind;
          expect(kind === 'join' ? 'processor' : kind).toBe(node[1].toLowerCase());
        } else if (link) {
          const list = link[2] === 'none' ? [] : link[2].split(', ');
          (link[1] === '-->' ? successors : predecessors).set(current, list);
        } else throw new Error(`unexpected line: ${JSON.stringify(line)}`);
      }
      expect(names).toEqual(pipeline.subtopologies[i].nodes);
    });
    const edgeSet = (pairs: Array<[string, string]>) => new Set(pairs.map(([a, b]) => `${a}>${b}`));
    const fromText = edgeSet([...successors].flatMap(([from, tos]) => tos.map((to): [string, string] => [from, to])));
    const fromPreds = edgeSet([...predecessors].flatMap(([to, froms]) => froms.map((from): [string, string] => [from, to])));
    const expected = edgeSet(pipeline.edges.map((e): [string, string] => [e.from, e.to]));
    expect(fromText).toEqual(expected);
    expect(fromPreds).toEqual(expected);
  });

  it('lists every topic, store and join, with changelogs and tasks', () => {
    for (const topic of Object.values(pipeline.topics)) expect(text).toContain(`Topic: ${topic.id} (name: ${topic.name},`);
    for (const store of Object.keys(pipeline.stores)) expect(text).toContain(`Store: ${store} (`);
    for (const node of processorsAndJoins) expect(text).toContain(`Processor: ${node.id} (`);
    expect(text).toContain('Store: user_context (kind: key_value, changelog: aura360-user_context-changelog, ttl: 30d, sub-topology: 0)');
    expect(text).toContain('Store: latest_context (kind: key_value, table of: aura360.context.aggregated, sub-topology: 3)');
    expect(text).toContain(
      'Sub-topology: 3 (partitions: 6, tasks: 3_0..3_5, source topics: [aura360.guardian.requests], table topics: [aura360.context.aggregated])',
    );
  });
});

describe('describe --format dot', () => {
  it('is laid out by Graphviz with a cluster per sub-topology and every node and edge', async () => {
    const viz = await vizInstance();
    const result = viz.render(describeDot(pipeline), { format: 'json' });
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('success');
    const graph = JSON.parse(result.output!) as { objects: Array<{ name: string; nodes?: number[] }>; edges: unknown[] };
    const names = graph.objects.map((o) => o.name);
    expect(names.filter((n) => n.startsWith('cluster_')).sort()).toEqual(pipeline.subtopologies.map((s) => `cluster_${s.id}`));
    for (const node of processorsAndJoins) expect(names).toContain(node.id);
    for (const topic of userTopics) expect(names).toContain(`topic:${topic.id}`);
    for (const store of Object.keys(pipeline.stores)) expect(names).toContain(`store:${store}`);
    const storeLinks = processorsAndJoins.reduce((n, node) => n + node.stores.length, 0);
    expect(graph.edges).toHaveLength(pipeline.edges.length + storeLinks + 1 /* table */);
    const cluster3 = graph.objects.find((o) => o.name === 'cluster_3')!;
    expect(cluster3.nodes!.map((i) => graph.objects[i].name).sort()).toEqual(['guardian', 'requests_with_context', 'store:latest_context']);
  });

  it('is rejected by Graphviz when broken (the check is real)', async () => {
    const viz = await vizInstance();
    const broken = describeDot(pipeline).replace(' -> ', ' -> -> ');
    expect(viz.render(broken, { format: 'json' }).status).toBe('failure');
  });
});

describe('describe --format mermaid', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: fileURLToPath(new URL('../../node_modules/mermaid/dist/mermaid.min.js', import.meta.url)) });
  });
  afterAll(async () => browser?.close());

  type Parsed =
    | { ok: true; type: string; vertices: string[]; edges: number; subgraphs: Array<{ title: string; nodes: string[] }> }
    | { ok: false; error: string };
  const parse = (text: string): Promise<Parsed> =>
    page.evaluate(async (src) => {
      const mermaid = (globalThis as unknown as { mermaid: any }).mermaid; // eslint-disable-line @typescript-eslint/no-explicit-any
      mermaid.initialize({ startOnLoad: false });
      try {
        const diagram = await mermaid.mermaidAPI.getDiagramFromText(src);
        const vertices = diagram.db.getVertices();
        return {
          ok: true as const,
          type: diagram.type as string,
          vertices: [...(vertices instanceof Map ? vertices.keys() : Object.keys(vertices))] as string[],
          edges: diagram.db.getEdges().length as number,
          subgraphs: diagram.db.getSubGraphs().map((s: { title: string; nodes: string[] }) => ({ title: s.title, nodes: s.nodes })),
        };
      } catch (err) {
        return { ok: false as const, error: String((err as Error).message) };
      }
    }, text);

  it("is parsed by mermaid's flowchart parser into every topic, processor, join and store", async () => {
    const parsed = await parse(describeMermaid(pipeline));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.type).toMatch(/^flowchart/);
    for (const node of processorsAndJoins) expect(parsed.vertices).toContain(`n_${node.id}`);
    for (const topic of userTopics) expect(parsed.vertices).toContain(`t_${topic.id}`);
    for (const store of Object.keys(pipeline.stores)) expect(parsed.vertices).toContain(`s_${store}`);
    expect(parsed.subgraphs.map((s) => s.title).sort()).toEqual(pipeline.subtopologies.map((s) => `Sub-topology ${s.id} · ${s.partitions} partitions`));
    const guardianGroup = parsed.subgraphs.find((s) => s.nodes.includes('n_guardian'))!;
    expect(guardianGroup.nodes.sort()).toEqual(['n_guardian', 'n_requests_with_context', 's_latest_context']);
    const storeLinks = processorsAndJoins.reduce((n, node) => n + node.stores.length, 0);
    expect(parsed.edges).toBe(pipeline.edges.length + storeLinks + 1);
  });

  it('is rejected by the parser when broken (the check is real)', async () => {
    const parsed = await parse(describeMermaid(pipeline).replace('subgraph st0', 'subgraph st0 [[['));
    expect(parsed.ok).toBe(false);
  });
});

describe('describe --format json', () => {
  it('is the Pipeline object', () => {
    expect(JSON.parse(describePipeline(pipeline, 'json'))).toEqual(pipeline);
  });
});
