/**
 * vitest globalSetup of the suites that need a Schema Registry: uses
 * SCHEMA_REGISTRY_URL when set (and checks that it answers), else starts the
 * local Apicurio Registry with scripts/registry.sh (built once with Maven) and
 * stops it afterwards. Tests read the URL with `inject('schemaRegistryUrl')`;
 * like the broker address it is not put into process.env. Never skips: without
 * a registry the suite fails, saying how to get one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    schemaRegistryUrl: string;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/registry.sh');
const HOW = 'set SCHEMA_REGISTRY_URL to a Confluent-compatible registry, or install a JRE 17+ and Maven so scripts/registry.sh can build and start one';

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.SCHEMA_REGISTRY_URL?.trim();
  if (given) {
    const res = await fetch(new URL('subjects', given.endsWith('/') ? given : `${given}/`)).catch((err: Error) => err);
    if (res instanceof Error || !res.ok)
      throw new Error(`SCHEMA_REGISTRY_URL=${given} does not answer (${res instanceof Error ? res.message : res.status}): ${HOW}`);
    project.provide('schemaRegistryUrl', given);
    return undefined;
  }
  if (spawnSync('java', ['-version']).error) throw new Error(`The serde tests need a Schema Registry${process.env.CI ? ' (CI runs them always)' : ''}: ${HOW}`);
  const alreadyRunning = spawnSync(SCRIPT, ['status'], { cwd: ROOT }).status === 0;
  const t0 = Date.now();
  let out: string;
  try {
    out = execFileSync(SCRIPT, ['start'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (err) {
    throw new Error(`scripts/registry.sh could not start a registry (its output is above): ${(err as Error).message}\nOtherwise: ${HOW}`);
  }
  const url = out.trim().split('\n').pop()!;
  console.log(`[registry] ${url} ready in ${Date.now() - t0} ms`);
  project.provide('schemaRegistryUrl', url);
  if (alreadyRunning) return undefined;
  return () => {
    execFileSync(SCRIPT, ['stop'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  };
}
