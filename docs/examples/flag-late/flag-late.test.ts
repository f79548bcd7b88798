/**
 * The sample of CONTRIBUTING.md, "Adding a processor", built as the guide
 * says: declared in one file, registered in a test-local registry, compiled
 * and run through the TopologyTestDriver. Also checks that the guide shows
 * this very file, so the guide cannot drift from code that works.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinProcessors } from '../../../processors/registry.js';
import { compileInline } from '../../../testing/inline-driver.js';
import { TopologyTestDriver } from '../../../testing/test-driver.js';
import { compilePipeline } from '../../../topology/compile.js';
import { flagLateProcessor } from './flag-late.js';

const processors = builtinProcessors.with(flagLateProcessor);

const PIPELINE = `
app: flag-late-sample
topics:
  mood_events: { name: sample.moods }
  flagged_moods: { name: sample.flagged }
${flagLateProcessor.examples[0]!.yaml.replace(/^/, 'processors:\n').replace(/\n(?=.)/g, '\n  ')}`;

describe('the flag_late sample processor', () => {
  let driver: TopologyTestDriver;
  beforeAll(async () => {
    driver = await TopologyTestDriver.create(compileInline(PIPELINE, {}, processors), { processors });
  });
  afterAll(async () => {
    await driver.close();
  });

  it('is unknown to the compiler until it is registered', () => {
    const result = compilePipeline(PIPELINE, 'sample.yaml', { env: {} });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_PROCESSOR_TYPE']);
    expect(compilePipeline(PIPELINE, 'sample.yaml', { env: {}, processors }).diagnostics).toEqual([]);
  });

  it('flags the records more than max_delay (10m, received as milliseconds) behind stream time', async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    const minute = 60_000;
    await driver.pipeInput('mood_events', [
      { key: 'u1', value: { score: 7 }, timestamp: t0 },
      { key: 'u1', value: { score: 6 }, timestamp: t0 + 20 * minute },
      { key: 'u1', value: { score: 5 }, timestamp: t0 + 10 * minute }, // exactly max_delay behind: on time
      { key: 'u1', value: { score: 4 }, timestamp: t0 + 5 * minute }, // 15 minutes behind: late
    ]);
    const out = await driver.readOutput('flagged_moods');
    expect(out.map((r) => r.value)).toEqual([
      { score: 7, late: false },
      { score: 6, late: false },
      { score: 5, late: false },
      { score: 4, late: true },
    ]);
  });

  it('is the code CONTRIBUTING.md shows', () => {
    const guide = fs.readFileSync(path.resolve(import.meta.dirname, '../../../CONTRIBUTING.md'), 'utf8');
    const shown = /<!-- docs\/examples\/flag-late\/flag-late\.ts -->\n```ts\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(shown, 'the guide embeds docs/examples/flag-late/flag-late.ts').toBeDefined();
    expect(shown).toBe(fs.readFileSync(path.resolve(import.meta.dirname, 'flag-late.ts'), 'utf8'));
  });
});
