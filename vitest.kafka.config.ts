import { defineConfig } from 'vitest/config';
import { contractSetup, kafkaGlobalSetup, kafkaTestFiles } from './vitest.config.js';

// `npm run test:kafka`: only the Kafka suite, against KAFKA_BROKERS or a broker started by scripts/kafka.sh
// (and SCHEMA_REGISTRY_URL or a registry started by scripts/registry.sh).
export default defineConfig({
  test: {
    include: kafkaTestFiles,
    exclude: ['node_modules/**', '.aura/**', '.scratch/**'],
    globalSetup: kafkaGlobalSetup,
    setupFiles: contractSetup,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});
