/**
 * `filter`: keeps the records for which a JSONata condition is truthy.
 */
import { expression, object } from '../../schemas/config-schema.js';
import { defineProcessor } from '../define.js';
import { compileExpression, truthy } from '../expression.js';
import type { ProcessorContext } from '../types.js';

export const filterProcessor = defineProcessor({
  type: 'filter',
  summary: 'Keeps the records for which a JSONata condition is true.',
  description: `Evaluates \`condition\`, a [JSONata](https://jsonata.org) expression, against each record
value and forwards the record unchanged when the result is truthy. Inside the expression the value's
fields are in scope (\`data.score < 4\`), and \`$key\` and \`$timestamp\` hold the record's key and
timestamp. An expression that fails at run time follows the processor's \`on_error\` policy.`,
  config: object({
    condition: expression('JSONata expression; records for which it is truthy are kept.'),
  }),
  examples: [
    {
      title: 'Keep low mood entries',
      yaml: `low_moods:
  type: filter
  from: user_events
  to: low_mood_events
  config:
    condition: type = 'user.mood.created' and data.score <= 3
`,
    },
  ],
  expressions: (config) => [{ path: ['condition'], expression: config.condition }],
  create(config) {
    const condition = compileExpression(config.condition);
    let ctx!: ProcessorContext;
    return {
      init(c) {
        ctx = c;
      },
      process(record) {
        if (truthy(condition(record))) ctx.forward(record);
      },
    };
  },
});
