// Entry point of a stream thread's process (runtime/stream-threads.ts). The sources are
// TypeScript run through tsx (no build step, see bin/aura.js); it loads its TypeScript body
// through tsx's API itself, whatever flags started its supervisor.
import { tsImport } from 'tsx/esm/api';

await tsImport('./stream-thread-worker.ts', import.meta.url);
