// Entry point of a transport thread (index.ts, startTransportThread). The sources are TypeScript
// run through tsx (no build step, see bin/aura.js); it loads its TypeScript body through tsx's
// API itself, whatever flags started the process.
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker.ts', import.meta.url);
