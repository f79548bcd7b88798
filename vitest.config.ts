import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.aura/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native modules (better-sqlite3, onnxruntime) are happiest in forked processes.
    pool: 'forks',
  },
});
