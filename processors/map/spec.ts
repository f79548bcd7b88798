/**
 * `map`: rewrites each record's value and/or key with JSONata expressions.
 */
import type { ConfigExpression, ProcessorSpec } from '../types.js';
import { expressionSchema } from '../../schemas/fragments.js';

export interface MapConfig {
  value?: string;
  key?: string;
}

export const mapSpec: ProcessorSpec<MapConfig> = {
  type: 'map',
  summary: "Rewrites each record's value and/or key with JSONata expressions.",
  description: `Evaluates \`value\` (the new record value) and/or \`key\` (the new record key, turned into a
string) as [JSONata](https://jsonata.org) expressions over the current value, with \`$key\` and
\`$timestamp\` bound. A field left out keeps the record's current value or key.

Changing the key does not repartition: records stay on their partition, so write them to a topic
(\`to:\`) and read that topic before joining or aggregating by the new key.`,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['value'] }, { required: ['key'] }],
    properties: {
      value: expressionSchema('JSONata expression giving the new value.'),
      key: expressionSchema('JSONata expression giving the new key (converted to a string).'),
    },
  },
  async: false,
  examples: [
    {
      title: 'Project mood entries to a compact shape',
      yaml: `project_moods:
  type: map
  from: mood_events
  to: mood_scores
  config:
    value: '{ "user_id": user_id, "score": data.score, "at": time }'
`,
    },
    {
      title: 'Re-key activities by kind (then read them back from the topic to aggregate)',
      yaml: `rekey_activities:
  type: map
  from: activity_events
  to: activities_by_kind
  config:
    key: data.kind
`,
    },
  ],
  ports: () => ['default'],
  expressions(config) {
    const out: ConfigExpression[] = [];
    if (config.value !== undefined) out.push({ path: ['value'], expression: config.value });
    if (config.key !== undefined) out.push({ path: ['key'], expression: config.key });
    return out;
  },
};
