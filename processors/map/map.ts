/**
 * `map`: rewrites each record's value and/or key with JSONata expressions. A
 * value that evaluates to nothing drops the record.
 */
import { expression, object, optional } from '../../schemas/config-schema.js';
import { defineProcessor } from '../define.js';
import { compileExpression } from '../expression.js';
import type { ConfigExpression, ProcessorContext } from '../types.js';

export const mapProcessor = defineProcessor({
  type: 'map',
  summary: "Rewrites each record's value and/or key with JSONata expressions.",
  description: `Evaluates \`value\` (the new record value) and/or \`key\` (the new record key, turned into a
string) as [JSONata](https://jsonata.org) expressions over the current value, with \`$key\` and
\`$timestamp\` bound. A field left out keeps the record's current value or key.

Changing the key does not repartition: records stay on their partition, so write them to a topic
(\`to:\`) and read that topic before joining or aggregating by the new key.`,
  config: object(
    {
      value: optional(expression('JSONata expression giving the new value.')),
      key: optional(expression('JSONata expression giving the new key (converted to a string).')),
    },
    { anyOf: [{ required: ['value'] }, { required: ['key'] }] },
  ),
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
  expressions(config) {
    const out: ConfigExpression[] = [];
    if (config.value !== undefined) out.push({ path: ['value'], expression: config.value });
    if (config.key !== undefined) out.push({ path: ['key'], expression: config.key });
    return out;
  },
  changesKey: (config) => config.key !== undefined,
  create(config) {
    const value = config.value ? compileExpression(config.value) : undefined;
    const key = config.key ? compileExpression(config.key) : undefined;
    let ctx!: ProcessorContext;
    return {
      init(c) {
        ctx = c;
      },
      process(record) {
        const v = value ? value(record) : record.value;
        if (v === undefined) return;
        const k = key ? key(record) : record.key;
        ctx.forward({ ...record, key: k === undefined || k === null ? null : String(k), value: v });
      },
    };
  },
});
