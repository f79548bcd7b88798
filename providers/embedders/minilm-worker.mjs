// Entry point of a MiniLM worker thread. The sources are TypeScript run through
// tsx (no build step, see bin/aura.js). Loader hooks registered in the main
// thread with tsx's register() (bin/aura.js, vitest) do not reach a worker
// thread, so it loads its TypeScript body through tsx's API itself.
import { tsImport } from 'tsx/esm/api';

await tsImport('./minilm-worker.ts', import.meta.url);
