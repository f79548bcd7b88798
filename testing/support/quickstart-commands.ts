/**
 * The commands of docs/quickstart-kafka.md, sorted by what running them needs,
 * for the tests that run them: `docker` ones cannot run here (their service
 * names are checked against the compose file instead), `broker` ones are the
 * test suite's own broker lifecycle, everything else is run as written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ShellCommand, shellCommands } from './markdown.js';

export const QUICKSTART = 'docs/quickstart-kafka.md';

export type StepKind =
  | 'docker' // needs Docker (compose, Kafka UI, the Qdrant container)
  | 'broker' // starts or stops the no-Docker broker (the Kafka suite has its own)
  | 'broker-env' // points KAFKA_BROKERS at a broker
  | 'serve' // `aura serve`: runs until stopped
  | 'aura' // another `aura` command: runs and exits
  | 'http'; // curl against the running gateway

export interface QuickstartStep extends ShellCommand {
  kind: StepKind;
}

export function classify(text: string): StepKind {
  if (/^docker\s/.test(text) || /localhost:(6333|8090)\b/.test(text)) return 'docker';
  if (/^npm run kafka:(start|stop|status)$/.test(text)) return 'broker';
  if (/^export KAFKA_BROKERS=\S+$/.test(text)) return 'broker-env';
  if (/^(\w+=\S+\s+)*node bin\/aura\.js serve\b/.test(text)) return 'serve';
  if (/^node bin\/aura\.js\s/.test(text)) return 'aura';
  if (/(^|\$\()curl\s/.test(text)) return 'http';
  throw new Error(`${QUICKSTART}: no test knows how to run \`${text}\` — teach testing/support/quickstart-commands.ts`);
}

export function quickstartSteps(root: string): QuickstartStep[] {
  const markdown = fs.readFileSync(path.join(root, QUICKSTART), 'utf8');
  return shellCommands(markdown).map((c) => ({ ...c, kind: classify(c.text) }));
}

/** `node bin/aura.js a b c` → `['a', 'b', 'c']` (the quick start's aura commands take no quoted arguments). */
export function auraArgs(text: string): string[] {
  if (/['"$]/.test(text)) throw new Error(`quote or variable in \`${text}\`: run it through a shell instead`);
  return text.replace(/^node bin\/aura\.js\s+/, '').split(/\s+/);
}
