/**
 * docs/quickstart-kafka.md without a broker: every `aura` command of it (all
 * but `serve`, which ops/quickstart.kafka.test.ts runs with the HTTP steps on
 * a real broker) runs on the embedded log exactly as written and succeeds, in
 * the order of the page. Every command of the page is of a kind a test runs or
 * (Docker) checks: a new kind of command fails here until it is.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auraInProcess } from '../testing/support/aura-in-process.js';
import { auraArgs, quickstartSteps } from '../testing/support/quickstart-commands.js';
import { loadPipeline } from '../topology/compile.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const steps = quickstartSteps(ROOT);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-quickstart-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const aura = (args: string[]) =>
  auraInProcess(args, { AURA_STATE_DIR: path.join(dir, 'state'), AURA_VECTOR_DB: path.join(dir, 'vectors.db'), KAFKA_BROKERS: '' });

describe('docs/quickstart-kafka.md on the embedded log', () => {
  it('has the steps a newcomer needs, each of a kind the tests run or check', () => {
    const kinds = new Set(steps.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(['aura', 'broker', 'broker-env', 'docker', 'http', 'serve']);
    const texts = steps.map((s) => s.text);
    for (const needed of [
      /topics apply/,
      /topics plan/,
      / serve /,
      /api\/dev\/token/,
      /api\/holistic\/mood-entries/,
      /api\/users\/ana\/context/,
      /dlq replay .*--dry-run/,
      /describe --format asyncapi/,
    ]) {
      expect(
        texts.some((t) => needed.test(t)),
        String(needed),
      ).toBe(true);
    }
  });

  it('runs every aura command as written, in order, successfully', async () => {
    const outputs = new Map<string, string>();
    for (const step of steps.filter((s) => s.kind === 'aura')) {
      const r = await aura(auraArgs(step.text));
      expect(r.code, `${step.text} (line ${step.line}):\n${r.out}${r.err}`).toBe(0);
      outputs.set(step.text, r.out);
    }
    const out = (re: RegExp) => [...outputs].find(([cmd]) => re.test(cmd))![1];
    expect(out(/validate/)).toMatch(/pipeline\.yaml: valid/);
    expect(out(/^node bin\/aura\.js describe pipeline\.yaml$/)).toMatch(/^Topologies:/);
    const topics = Object.keys(loadPipeline(path.join(ROOT, 'pipeline.yaml'), { env: {} }).topics).length;
    expect(out(/topics apply/)).toContain(`applied: ${topics} created`);
    expect(out(/--exit-code/)).toContain(`0 to create, 0 to grow, ${topics} up to date`);
    expect(out(/dlq replay/)).toContain('no dead letters to read in aura360.dead-letters');
    expect((parse(out(/--format asyncapi/)) as { asyncapi: string }).asyncapi).toBe('3.0.0');
    // It really was the embedded log, in the test's own state directory.
    expect(fs.existsSync(path.join(dir, 'state', 'embedded-log.db'))).toBe(true);
  });
});
