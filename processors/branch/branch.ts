/**
 * `branch`: routes each record to the first named port whose JSONata
 * condition holds (Kafka Streams' `split()`/`branch()`), else to `default`
 * when set.
 */

import { expression, mapOf, object, optional, string } from '../../schemas/config-schema.js';
import { ID_PATTERN } from '../../schemas/fragments.js';
import { defineProcessor } from '../define.js';
import { type CompiledExpression, compileExpression, truthy } from '../expression.js';
import type { ProcessorContext } from '../types.js';

export const branchProcessor = defineProcessor({
  type: 'branch',
  summary: 'Routes each record to the first named output whose JSONata condition holds.',
  description: `Evaluates the conditions of \`branches\` in the order they are written and forwards the
record to the port named after the first one that is truthy; with \`default\` set, records matching
no condition go to that port, otherwise they are dropped. Ports are referred to as
\`<processor>.<port>\` in \`from\`, \`left\` and \`right\`, or mapped to topics with
\`to: { <port>: <topic> }\`.`,
  config: object({
    branches: mapOf(expression('JSONata condition for this port.'), {
      description: 'Port name → JSONata condition, tried in order.',
      minProperties: 1,
      keyPattern: ID_PATTERN,
    }),
    default: optional(string({ pattern: ID_PATTERN, description: 'Port for records that match no branch (dropped when unset).' })),
  }),
  examples: [
    {
      title: 'Split user events by type, then join moods with activities',
      yaml: `split_events:
  type: branch
  from: user_events
  config:
    branches:
      mood: type = 'user.mood.created'
      activity: type = 'user.activity.created'
`,
    },
    {
      title: 'Route by mood score, with a default port mapped to a topic',
      yaml: `route_by_score:
  type: branch
  from: user_events
  to:
    low: low_moods
    other: other_events
  config:
    branches:
      low: type = 'user.mood.created' and data.score <= 3
    default: other
`,
    },
  ],
  ports: (config) => [...Object.keys(config.branches), ...(config.default !== undefined ? [config.default] : [])],
  expressions: (config) => Object.entries(config.branches).map(([port, expression]) => ({ path: ['branches', port], expression })),
  check(config) {
    if (config.default !== undefined && config.default in config.branches)
      return [{ path: ['default'], code: 'INVALID_CONFIG', message: `default port "${config.default}" is also a branch name: pick another name` }];
    return [];
  },
  create(config) {
    const branches: Array<[string, CompiledExpression]> = Object.entries(config.branches).map(([port, expr]) => [port, compileExpression(expr)]);
    let ctx!: ProcessorContext;
    return {
      init(c) {
        ctx = c;
      },
      process(record) {
        for (const [port, condition] of branches) {
          if (truthy(condition(record))) {
            ctx.forward(record, port);
            return;
          }
        }
        if (config.default) ctx.forward(record, config.default);
      },
    };
  },
});
