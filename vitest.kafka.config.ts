import { defineConfig } from 'vitest/config';
import { kafkaTestFiles } from './vitest.config.js';

// `npm run test:kafka`: only the Kafka suite, against KAFKA_BROKERS or a broker started by scripts/kafka.sh.
export default defineConfig({
  test: {
    include: kafkaTestFiles,
    exclude: ['node_modules/**', '.aura/**', '.scratch/**'],
    globalSetup: ['transports/kafka/test-broker.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});
