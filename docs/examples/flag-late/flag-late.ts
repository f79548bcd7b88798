/**
 * `flag_late`: the sample processor of CONTRIBUTING.md, "Adding a processor".
 * It marks each record that arrives more than `max_delay` behind stream time.
 */
import { defineProcessor } from '../../../processors/define.js';
import type { ProcessorContext } from '../../../processors/types.js';
import { duration, object, string } from '../../../schemas/config-schema.js';
import { ID_PATTERN } from '../../../schemas/fragments.js';

export const flagLateProcessor = defineProcessor({
  type: 'flag_late',
  summary: 'Marks the records that arrive more than `max_delay` behind stream time.',
  description: `Sets \`field\` of each record value to \`true\` when the record's timestamp is more than
\`max_delay\` behind stream time (the highest timestamp its task has seen), \`false\` otherwise,
and forwards the record.`,
  config: object({
    max_delay: duration('How far behind stream time a record may be and still be on time.', '5m'),
    field: string({ pattern: ID_PATTERN, default: 'late', description: 'Field of the value that receives the flag.' }),
  }),
  examples: [
    {
      title: 'Flag mood entries that arrive more than ten minutes late',
      yaml: `flag_late_moods:
  type: flag_late
  from: mood_events
  to: flagged_moods
  config:
    max_delay: 10m
`,
    },
  ],
  // `config` is typed from the schema: max_delay is a number of milliseconds, field a string.
  create(config) {
    let ctx!: ProcessorContext;
    return {
      init(context) {
        ctx = context;
      },
      process(record) {
        const late = ctx.streamTime() - record.timestamp > config.max_delay;
        ctx.forward({ ...record, value: { ...(record.value as object), [config.field]: late } });
      },
    };
  },
});
