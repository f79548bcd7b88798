/**
 * `filter`: keeps the records for which a JSONata condition is truthy.
 */
import type { ProcessorSpec } from '../types.js';
import { expressionSchema } from '../../schemas/fragments.js';

export interface FilterConfig {
  condition: string;
}

export const filterSpec: ProcessorSpec<FilterConfig> = {
  type: 'filter',
  summary: 'Keeps the records for which a JSONata condition is true.',
  description: `Evaluates \`condition\`, a [JSONata](https://jsonata.org) expression, against each record
value and forwards the record unchanged when the result is truthy. Inside the expression the value's
fields are in scope (\`data.score < 4\`), and \`$key\` and \`$timestamp\` hold the record's key and
timestamp. An expression that fails at run time follows the processor's \`on_error\` policy.`,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['condition'],
    properties: {
      condition: expressionSchema('JSONata expression; records for which it is truthy are kept.'),
    },
  },
  async: false,
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
  ports: () => ['default'],
  expressions: (config) => [{ path: ['condition'], expression: config.condition }],
};
