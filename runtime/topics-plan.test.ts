/**
 * `aura topics plan|apply` on the embedded log: what is missing is created,
 * partitions grow, and unsafe differences (fewer partitions, another
 * replication factor, a changelog that is not compacted) are refused with a
 * clear message and nothing changed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { loadPipeline } from '../topology/compile.js';
import { createEmbeddedTransport } from '../transports/embedded/index.js';
import { applyPlan, formatPlan, planTopics } from './topics-plan.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-topics-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const pipeline = loadPipeline(path.join(ROOT, 'runtime/fixtures/crash.yaml'), { env: { AURA_STATE_DIR: dir } });
const events = pipeline.topics.user_events!;
const changelog = pipeline.topics['user_context-changelog']!;

describe('topics plan', () => {
  it('plans every topic for an empty cluster, with the changelog compacted', () => {
    const plan = planTopics(pipeline, []);
    expect(plan.pending).toBe(true);
    expect(plan.refused).toBe(false);
    const byTopic = new Map(plan.changes.map((c) => [c.topic, c]));
    expect([...byTopic.keys()].sort()).toEqual(
      Object.values(pipeline.topics)
        .map((t) => t.name)
        .sort(),
    );
    expect(byTopic.get(changelog.name)!.action).toBe('create');
    expect(byTopic.get(changelog.name)!.wanted.config['cleanup.policy']).toBe('compact');
    expect(byTopic.get(events.name)!.wanted.config['retention.ms']).toBe(String(events.retentionMs));
    expect(formatPlan(plan)).toContain(`+ ${changelog.name}: create\n    3 partitions, replication 1, cleanup.policy=compact`);
  });

  it('grows partitions, refuses fewer partitions, another replication or a delete-policy changelog', () => {
    const current = (name: string, partitions: number, config: Record<string, string>, replication = 1) => ({ name, partitions, replication, config });
    const grow = planTopics(pipeline, [current(events.name, 2, {}), current(changelog.name, 3, { 'cleanup.policy': 'compact' })]);
    const g = grow.changes.find((c) => c.topic === events.name)!;
    expect(g.action).toBe('add_partitions');
    expect(g.reasons[0]).toContain('partitions 2 -> 3');
    expect(g.unverified).toEqual(['cleanup.policy', 'retention.ms']);
    expect(grow.changes.find((c) => c.topic === changelog.name)!.action).toBe('unchanged');
    expect(grow.refused).toBe(false);

    const shrink = planTopics(pipeline, [current(events.name, 6, {})]);
    expect(shrink.refused).toBe(true);
    expect(shrink.changes.find((c) => c.topic === events.name)!.reasons[0]).toMatch(
      /has 6 partitions, the pipeline declares 3: Kafka cannot remove partitions/,
    );

    const replication = planTopics(pipeline, [current(events.name, 3, {}, 3)]);
    expect(replication.changes.find((c) => c.topic === events.name)!.action).toBe('refuse');

    const notCompacted = planTopics(pipeline, [current(changelog.name, 3, { 'cleanup.policy': 'delete' })]);
    const c = notCompacted.changes.find((x) => x.topic === changelog.name)!;
    expect(c.action).toBe('refuse');
    expect(c.reasons[0]).toContain('cleanup.policy is delete, the pipeline needs compact');

    const retention = planTopics(pipeline, [current(events.name, 3, { 'cleanup.policy': 'delete', 'retention.ms': '1000' })]);
    expect(retention.changes.find((x) => x.topic === events.name)!.action).toBe('warn');
  });

  it('applies on the embedded log and refuses an unsafe plan without changing anything', async () => {
    const logPath = path.join(dir, 'apply', 'embedded-log.db');
    fs.mkdirSync(path.dirname(logPath), { recursive: true });
    const transport = createEmbeddedTransport({ path: logPath });
    await transport.connect();
    const admin = transport.admin();
    await admin.createTopics([{ name: events.name, partitions: 2, replication: 1, config: {} }]);
    const result = await applyPlan(planTopics(pipeline, await admin.listTopics()), admin);
    expect(result.grown).toEqual([events.name]);
    expect(result.created.sort()).toEqual(
      Object.values(pipeline.topics)
        .filter((t) => t.name !== events.name)
        .map((t) => t.name)
        .sort(),
    );
    const after = await admin.listTopics();
    expect(after.find((t) => t.name === events.name)!.partitions).toBe(3);
    expect(planTopics(pipeline, after).pending).toBe(false);

    await admin.createPartitions(changelog.name, 5);
    const unsafe = planTopics(pipeline, await admin.listTopics());
    await expect(applyPlan(unsafe, admin)).rejects.toMatchObject({ code: 'TOPIC_UNSAFE_CHANGE' });
    await transport.close();
  });

  it('runs as `aura topics plan|apply` on the embedded log', async () => {
    const file = path.join(ROOT, 'runtime/fixtures/crash.yaml');
    const stateDir = path.join(dir, 'cli');
    const run = async (...args: string[]) => {
      let out = '';
      let err = '';
      const saved = process.env.KAFKA_BROKERS;
      delete process.env.KAFKA_BROKERS;
      process.env.AURA_STATE_DIR = stateDir;
      try {
        const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
        return { code, out, err };
      } finally {
        if (saved !== undefined) process.env.KAFKA_BROKERS = saved;
      }
    };
    const plan = await run('topics', 'plan', file, '--exit-code');
    expect(plan.code).toBe(2);
    expect(plan.out).toContain(`embedded log at ${path.join(stateDir, 'embedded-log.db')}`);
    expect(plan.out).toContain('3 to create, 0 to grow, 0 up to date');
    expect((await run('topics', 'apply', file)).code).toBe(0);
    const again = await run('topics', 'plan', file, '--exit-code');
    expect(again.code).toBe(0);
    expect(again.out).toContain('0 to create, 0 to grow, 3 up to date');

    // Someone grew the changelog to 5 partitions: apply refuses and says why.
    const transport = createEmbeddedTransport({ path: path.join(stateDir, 'embedded-log.db') });
    await transport.connect();
    await transport.admin().createPartitions(changelog.name, 5);
    await transport.close();
    const refused = await run('topics', 'apply', file);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`! ${changelog.name}: REFUSED`);
    expect(refused.out).toContain('Kafka cannot remove partitions');
    expect(refused.err).toContain('refused — nothing was changed');
  });
});
