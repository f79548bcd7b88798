import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The Kafka suite runs against a real broker with its own config (vitest.kafka.config.ts).
    exclude: ['node_modules/**', '.aura/**', '**/*.kafka.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native modules (better-sqlite3, onnxruntime) are happiest in forked processes.
    pool: 'forks',
  },
});
