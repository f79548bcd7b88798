// Entry point of a MiniLM worker thread. The sources are TypeScript run through
// tsx (no build step, see bin/aura.js); a worker thread does not inherit the
// parent's loader hooks, so it loads its TypeScript body through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./minilm-worker.ts', import.meta.url);
