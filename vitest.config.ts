import { spawnSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

/**
 * `npm test` = two projects. `unit` runs everything that needs no broker. `kafka` runs the
 * *.kafka.test.ts and *.registry.test.ts files against a real broker and a real Schema Registry:
 * its globalSetups (testing/setup/: kafka-broker.ts, sasl-ssl-listener.ts, schema-registry.ts) use KAFKA_BROKERS /
 * SCHEMA_REGISTRY_URL, or start a local single-node KRaft broker with scripts/kafka.sh and an
 * Apicurio Registry with scripts/registry.sh (Java 17+) — only when such a test file is selected —
 * and it runs after the unit project so the crash tests do not compete with it for the CPU.
 *
 * With CI=true the Kafka project always runs and fails loudly if no broker can be had. On a
 * developer machine with neither KAFKA_BROKERS nor Java it is left out, with a notice saying
 * how to run it (`npm run test:kafka` runs only that suite).
 */
const kafkaPossible = Boolean(process.env.KAFKA_BROKERS?.trim()) || !spawnSync('java', ['-version']).error;
const withKafka = process.env.CI === 'true' || process.env.CI === '1' || kafkaPossible;
if (!withKafka) {
  console.warn(
    '\n[aura] The Kafka suite (*.kafka.test.ts, *.registry.test.ts) is NOT part of this run: no KAFKA_BROKERS and no Java.\n' +
      '       Point it at a broker with KAFKA_BROKERS=host:port, or start one with\n' +
      '       `docker compose -f docker-compose.dev.yml up -d kafka` (then KAFKA_BROKERS=127.0.0.1:9092),\n' +
      '       or install a JRE 17+ so `npm run kafka:start` can run one. CI always runs it.\n',
  );
}

/** Fails a test whose gateway answered something docs/openapi.json or docs/asyncapi.yaml do not declare. */
export const contractSetup = ['testing/support/contract-setup.ts'];

/** The suite of real servers: Kafka (*.kafka.test.ts) and the Schema Registry (*.registry.test.ts). */
export const kafkaTestFiles = ['**/*.kafka.test.ts', '**/*.registry.test.ts'];
/** Started once for that suite: the broker (scripts/kafka.sh) and the registry (scripts/registry.sh). */
export const kafkaGlobalSetup = ['testing/setup/kafka-broker.ts', 'testing/setup/sasl-ssl-listener.ts', 'testing/setup/schema-registry.ts'];
const ignored = ['node_modules/**', '.aura/**', '.scratch/**'];

/**
 * Line coverage the suite must reach (issue 15). `npm run coverage` (or `--coverage`) always
 * reports; the floor is enforced only when AURA_COVERAGE_THRESHOLD is set — `on` (or `1`, `true`)
 * for this figure, a number for another — so CI can turn it on once the code reaches it.
 */
const COVERAGE_LINES_THRESHOLD = 80;

function coverageLinesThreshold(setting: string | undefined): number | undefined {
  const value = setting?.trim().toLowerCase();
  if (!value || value === 'off' || value === '0' || value === 'false') return undefined;
  if (value === 'on' || value === '1' || value === 'true') return COVERAGE_LINES_THRESHOLD;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new Error(`AURA_COVERAGE_THRESHOLD must be on, off or a percentage, not "${setting}"`);
  return n;
}
const linesThreshold = coverageLinesThreshold(process.env.AURA_COVERAGE_THRESHOLD);

export default defineConfig({
  test: {
    // Native modules (better-sqlite3, onnxruntime, librdkafka) are happiest in forked processes.
    pool: 'forks',
    // Every gateway response and WebSocket message a test sees is checked against the contracts.
    setupFiles: contractSetup,
    coverage: {
      provider: 'v8',
      // Every source file counts, loaded by a test or not. Code that runs only in the `aura`
      // child processes some tests spawn is not measured (V8 coverage stays in-process).
      include: ['**/*.ts', 'bin/**/*.js'],
      // Left out: tests and their support code, fixtures, benchmarks — never product code.
      exclude: [
        ...ignored,
        'coverage/**',
        '**/[.]**',
        '**/*.d.ts',
        '**/*.test.ts',
        'vitest*.config.ts',
        // testing/: the shared test helpers, the suites' global set-ups and the fuzz suite (the
        // test driver and the YAML test runner beside them are the toolkit users get, and count).
        'testing/support/**',
        'testing/setup/**',
        'testing/fuzz/**',
        '**/fixtures/**',
        'bench/**',
      ],
      reporter: ['text-summary', 'json-summary', 'json', 'html'],
      reportOnFailure: true,
      ...(linesThreshold === undefined ? {} : { thresholds: { lines: linesThreshold } }),
    },
    projects: [
      {
        extends: true as const,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...ignored, ...kafkaTestFiles],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Unit tests (and the `aura run` children they spawn) stay on the embedded log.
          env: { KAFKA_BROKERS: '' },
        },
      },
      ...(withKafka
        ? [
            {
              extends: true as const,
              test: {
                name: 'kafka',
                include: kafkaTestFiles,
                exclude: ignored,
                globalSetup: kafkaGlobalSetup,
                testTimeout: 60_000,
                hookTimeout: 90_000,
                sequence: { groupOrder: 1 },
              },
            },
          ]
        : []),
    ],
  },
});
