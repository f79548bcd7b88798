/**
 * `aura serve` for the fuzz suite, as its own process: the same function the
 * CLI runs (environment configuration, gateway, supervision and the
 * unhandled-error policy), with the hashing embedder in place of MiniLM so it
 * starts in seconds, offline.
 *
 *   node --expose-gc --import tsx testing/fuzz/serve-main.ts <pipeline.yaml>
 */
import { servePipeline } from '../../cli/serve.js';
import { createHashingEmbedder } from '../hashing-embedder.js';

// A hook of this test entry only: SIGUSR2 runs a full garbage collection (with --expose-gc), so the
// memory check compares what is retained, not garbage V8 has not swept yet.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write('GC DONE\n');
});

process.exitCode = await servePipeline({ file: process.argv[2]!, port: 0, resourceOverrides: { embedder: createHashingEmbedder() } });
