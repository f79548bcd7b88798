/**
 * `node --import tsx ops/generate.ts [--check]`: writes the generated
 * deployment files (ops/generated.ts), or with --check exits 1 when a
 * committed copy is out of date.
 */
import { staleFiles, writeOrCheck } from '../cli/generated-files.js';
import type { CliContext } from '../cli/context.js';
import { generatedOpsFiles } from './generated.js';

const files = generatedOpsFiles();
if (process.argv.includes('--check')) {
  const stale = staleFiles(files);
  for (const f of stale) process.stderr.write(`${f}: out of date (run \`node --import tsx ops/generate.ts\` and commit the result)\n`);
  if (stale.length === 0) process.stdout.write(`${files.size} generated files are up to date\n`);
  process.exitCode = stale.length === 0 ? 0 : 1;
} else {
  const cli: CliContext = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s), exitCode: 0 };
  writeOrCheck(files, { command: 'docs' }, cli);
  process.exitCode = cli.exitCode;
}
