/**
 * `docs/pipeline-reference.md`, generated from the DSL schema, the resource and
 * processor registries and the diagnostic codes, so the reference cannot drift
 * from what `aura validate` accepts.
 */

import { builtinProcessors } from '../../processors/registry.js';
import { builtinResources } from '../../providers/registry.js';
import { DURATION_HELP } from '../../schemas/fragments.js';
import { DiagnosticCodes } from '../diagnostic-codes.js';
import { defaultsSchema, dslSchema, type JsonSchema, sectionEntrySchemas } from '../dsl-schema.js';
import { GENERATED_NOTICE } from './notice.js';
import { cell, fieldRows, markdownTable } from './schema-table.js';

const INTRO = `# Pipeline reference

A pipeline file (\`pipeline.yaml\`) declares a stream-processing topology: the Kafka topics it
reads and writes, the state stores, shared resources (embedders, vector stores, advisors), and
the processors and joins between them. Everything has an explicit id; processors and joins refer
to topics, stores, resources and each other by id.

- \`aura validate [pipeline.yaml]\` reports every problem at once, as \`file:line:col severity CODE message\`.
- \`aura describe [pipeline.yaml] [--format text|mermaid|dot|json]\` prints the compiled topology.
- \`aura plan [pipeline.yaml]\` compares the pipeline with the deployed one: what a deploy would
  add, change and remove, and which changes need a reset or a migration
  ([pipeline-changes.md](pipeline-changes.md)).
- Editors validate and complete the file with the generated JSON Schema: start it with
  \`# yaml-language-server: $schema=./schemas/pipeline.schema.json\`.

The default \`pipeline.yaml\` (the AURA360 event backbone) is a complete example. This page is
generated from the compiler's own schema by \`aura docs\`.`;

const VALUES = `## Values

### Ids and references

Ids of topics, stores, resources, processors and joins start with a letter and contain letters,
digits and \`_\` (no dots: they separate \`node.port\`; no dashes: they separate generated
names). Processors and joins share one namespace, and a topic id must not be reused as a node id.

\`from\`, \`left\` and \`right\` take a **reference**: a topic id (records read from Kafka), a
processor or join id (records passed in memory), or \`node.port\` for nodes with several outputs
(\`branch\` ports, the \`guardian\`'s \`responses\` and \`chunks\`).

### Durations

${DURATION_HELP.charAt(0).toUpperCase()}${DURATION_HELP.slice(1)}; units \`ms\`, \`s\`, \`m\`, \`h\`, \`d\`, \`w\`.

### Environment variables

Every scalar value may contain \`\${VAR}\` (an error, \`MISSING_ENV\`, when VAR is not set) or
\`\${VAR:-default}\` (the default when VAR is unset or empty); \`$\${\` writes a literal \`\${\`.
Substitution happens before validation. In an unquoted value the result is read as YAML would read
it (\`partitions: \${PARTITIONS:-6}\` is the integer 6); a quoted value stays a string.`;

const DERIVED = `## What the compiler derives

- **Nodes.** Each topic that is read gets a source node \`<topic>-source\`; each topic a node writes
  gets a sink node \`<node>-to-<topic>\`. Edges carry the output port (\`default\` unless named).
- **Sub-topologies.** Nodes connected in memory or through a shared store form a sub-topology, as
  in Kafka Streams; topics separate them. Each sub-topology runs as one task per partition of its
  source topics, which must therefore be co-partitioned (same partition count and key).
  A table store's topic is a *table topic* of the sub-topology that reads the table.
- **Changelogs.** Every store with \`logging\` (the default) is backed by a compacted topic
  \`<app>-<store>-changelog\` with the partitions of the sub-topology that owns the store (windowed
  stores: \`compact,delete\`, kept for the store retention plus a day). A table store (\`from:\`)
  has none: its topic is its changelog.
- **Join stores.** A \`stream_stream\` join keeps each side in a window store, \`<join>_left\` and
  \`<join>_right\` (retention: window size + grace), both change-logged.
- **Dead letters.** With \`on_error: dead_letter\`, failed records go to \`defaults.dead_letter_topic\`
  with the error in their headers.`;

function sectionTable(title: string, description: string, schema: JsonSchema, nested = true): string {
  return `## ${title}\n\n${description}\n\n${markdownTable(fieldRows(schema, { nested })).trimEnd()}`;
}

function resourceTypes(): string {
  const parts = ['### Resource types'];
  for (const spec of builtinResources.all()) {
    parts.push(`#### \`${spec.type}\` (${spec.role.replace('_', ' ')})\n\n${spec.summary}\n\n${markdownTable(fieldRows(spec.configSchema)).trimEnd()}`);
  }
  return parts.join('\n\n');
}

function processorTypes(): string {
  const rows = builtinProcessors.all().map((s) => `| [\`${s.type}\`](processors/${s.type}.md) | ${cell(s.summary)} |`);
  return `### Processor types\n\n| type | what it does |\n| --- | --- |\n${rows.join('\n')}`;
}

function diagnosticCodes(): string {
  const rows = Object.entries(DiagnosticCodes).map(([code, info]) => `| \`${code}\` | ${info.severity} | ${cell(info.summary)} |`);
  return `## Diagnostic codes\n\n\`aura validate\` reports problems with these codes (stable: tools may rely on them).\n\n| code | severity | meaning |\n| --- | --- | --- |\n${rows.join('\n')}`;
}

const describe = (schema: JsonSchema) => String(schema.description ?? '');

export function pipelineReference(): string {
  const top = dslSchema.properties as Record<string, JsonSchema>;
  const parts = [
    GENERATED_NOTICE,
    INTRO,
    sectionTable('Top level', describe(dslSchema), dslSchema, false),
    sectionTable('`defaults`', describe(defaultsSchema), defaultsSchema),
    sectionTable('`topics.<id>`', describe(top.topics), sectionEntrySchemas.topics),
    sectionTable('`stores.<id>`', describe(top.stores), sectionEntrySchemas.stores),
    sectionTable('`resources.<id>`', `${describe(top.resources)} Besides \`type\`, a resource has the fields of its type:`, sectionEntrySchemas.resources),
    resourceTypes(),
    sectionTable('`processors.<id>`', describe(top.processors), sectionEntrySchemas.processors),
    processorTypes(),
    sectionTable('`joins.<id>`', describe(top.joins), sectionEntrySchemas.joins),
    VALUES,
    DERIVED,
    diagnosticCodes(),
  ];
  return `${parts.join('\n\n')}\n`;
}
