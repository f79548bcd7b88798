import { defineConfig } from 'vitest/config';

// The Kafka transport suite, against a real broker (scripts/kafka.sh or KAFKA_BROKERS).
export default defineConfig({
  test: {
    include: ['transports/kafka/**/*.kafka.test.ts'],
    exclude: ['node_modules/**', '.aura/**'],
    globalSetup: ['transports/kafka/test-broker.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});
