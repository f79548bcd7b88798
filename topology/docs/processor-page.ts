/**
 * `docs/processors/<type>.md`, generated from the processor's spec: summary,
 * description, behaviour, config table and the examples (which a test
 * compiles).
 */
import YAML from 'yaml';
import type { ProcessorType } from '../../processors/types.js';
import type { JsonSchema } from '../dsl-schema.js';
import { GENERATED_NOTICE } from './notice.js';
import { fieldRows, markdownTable } from './schema-table.js';

export function processorPage(spec: ProcessorType): string {
  const parts = [
    GENERATED_NOTICE,
    `# \`${spec.type}\` processor`,
    `> ${spec.summary}`,
    spec.description,
    '## At a glance',
    glance(spec),
    '## Configuration (`config:`)',
    markdownTable(fieldRows(spec.configSchema as JsonSchema)).trimEnd(),
    '## Examples',
    ...spec.examples.flatMap((example) => [`### ${example.title}`, `\`\`\`yaml\nprocessors:\n${indent(example.yaml.trimEnd())}\n\`\`\``]),
    'See [the pipeline reference](../pipeline-reference.md) for the fields every processor has (`from`, `to`, `store`, `on_error`, `concurrency`).',
  ];
  return `${parts.join('\n\n')}\n`;
}

function glance(spec: ProcessorType): string {
  const lines = [
    `- **Processing:** ${spec.async ? `asynchronous (\`concurrency\` records in flight per task, default ${spec.defaultConcurrency}; order per key is kept)` : 'synchronous, one record at a time'}`,
    `- **Output ports:** ${ports(spec)}`,
    `- **Store:** ${stores(spec)}`,
  ];
  if (spec.resourceRefs) lines.push('- **Resources:** named in the config (see the table below); declared under `resources:`');
  return lines.join('\n');
}

/** Ports as the examples show them: fixed ports are listed, config-dependent ones explained. */
function ports(spec: ProcessorType): string {
  const seen = examplesConfigs(spec).map((config) => spec.ports(config).join(', '));
  const distinct = [...new Set(seen)];
  if (distinct.length === 1 && distinct[0] === 'default') return '`default` (one output)';
  if (distinct.length === 1)
    return (
      distinct[0]
        .split(', ')
        .map((p) => `\`${p}\``)
        .join(', ') + ' (map them to topics with `to: { <port>: <topic> }`, or read them as `<id>.<port>`)'
    );
  return 'named by the config (read them as `<id>.<port>`, or map them with `to: { <port>: <topic> }`)';
}

function stores(spec: ProcessorType): string {
  if (!spec.storeRequirement) return 'none';
  const kinds = [
    ...new Set(
      examplesConfigs(spec)
        .map((c) => spec.storeRequirement?.(c)?.kind)
        .filter(Boolean),
    ),
  ];
  const list = kinds.map((k) => `a \`${k}\` store`).join(' or ');
  return `required (\`store:\`): ${list}${kinds.length > 1 ? ', depending on the config' : ''}`;
}

function examplesConfigs(spec: ProcessorType): Record<string, unknown>[] {
  return spec.examples.map((example) => {
    const entry = Object.values(YAML.parse(example.yaml) as Record<string, { config?: Record<string, unknown> }>)[0];
    return entry.config ?? {};
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
