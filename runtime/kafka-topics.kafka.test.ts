/**
 * Topics as code against a real cluster whose topics someone else made: the
 * plan reads their real configs (DescribeConfigs), refuses a changelog that is
 * not compacted, and `aura run` will not start on such a cluster — it explains
 * what is missing or wrong instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aura, auraRun, kafkaTransport, pipelineCopy, ROOT, tempDir, uniquePrefix } from '../testing/support/kafka-harness.js';
import { loadPipeline } from '../topology/compile.js';

describe('aura topics and aura run against an existing cluster', () => {
  const dir = tempDir('aura-kafka-topics');
  const prefix = uniquePrefix('topics');
  const file = pipelineCopy(path.join(ROOT, 'runtime/fixtures/crash.yaml'), dir, [
    ['app: crash-test', `app: ${prefix}`],
    ['name: crash.', `name: ${prefix}.`],
  ]);
  const env = { AURA_STATE_DIR: dir };
  const pipeline = loadPipeline(file, { env: { ...process.env, ...env } });
  const input = pipeline.topics.user_events!.name;
  const output = pipeline.topics.context_aggregated!.name;
  const changelog = pipeline.topics['user_context-changelog']!.name;
  const transport = kafkaTransport('someone-else');

  afterAll(async () => {
    await transport
      .admin()
      .deleteTopics([input, output, changelog])
      .catch(() => undefined);
    await transport.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('plans from the real configs, refuses unsafe changes, and aura run explains what is wrong', async () => {
    // Made by another tool: the input too small, the changelog with the default (delete) policy.
    await transport.admin().createTopics([
      { name: input, partitions: 2, replication: 1, config: {} },
      { name: changelog, partitions: 3, replication: 1, config: { 'cleanup.policy': 'delete' } },
    ]);
    const plan = await aura(['topics', 'plan', file], env);
    expect(plan.code).toBe(1);
    expect(plan.out).toContain(`~ ${input}: add partitions\n    partitions 2 -> 3`);
    expect(plan.out).toContain(`+ ${output}: create`);
    expect(plan.out).toContain(`! ${changelog}: REFUSED\n    cleanup.policy is delete, the pipeline needs compact`);
    expect(plan.out).not.toContain('not verified');

    const run = auraRun(file, { instance: 'x', stateDir: path.join(dir, 'state'), env });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('transport   kafka brokers=');
    expect(run.output()).toContain("the cluster's topics do not match what this pipeline needs");
    expect(run.output()).toContain(`! ${changelog}: REFUSED`);

    const refused = await aura(['topics', 'apply', file], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('refused — nothing was changed');
    expect((await transport.admin().listTopics()).find((t) => t.name === input)!.partitions).toBe(2);

    // Fixed by hand (here: re-created compacted); apply now creates and grows the rest.
    await transport.admin().deleteTopics([changelog]);
    await transport.admin().createTopics([{ name: changelog, partitions: 3, replication: 1, config: { 'cleanup.policy': 'compact' } }]);
    const applied = await aura(['topics', 'apply', file], env);
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toContain(`applied: 1 created (${output}), 1 grown (${input})`);
    const after = await aura(['topics', 'plan', file, '--exit-code'], env);
    expect(after.code).toBe(0);
    expect(after.out).toContain('0 to create, 0 to grow, 3 up to date');
  }, 90_000);
});
