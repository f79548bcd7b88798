/**
 * `branch`: routes each record to the first named port whose JSONata
 * condition holds (Kafka Streams' `split()`/`branch()`).
 */
import type { ConfigIssue, ProcessorSpec } from '../types.js';
import { expressionSchema } from '../../schemas/fragments.js';

export interface BranchConfig {
  branches: Record<string, string>;
  default?: string;
}

export const branchSpec: ProcessorSpec<BranchConfig> = {
  type: 'branch',
  summary: 'Routes each record to the first named output whose JSONata condition holds.',
  description: `Evaluates the conditions of \`branches\` in the order they are written and forwards the
record to the port named after the first one that is truthy; with \`default\` set, records matching
no condition go to that port, otherwise they are dropped. Ports are referred to as
\`<processor>.<port>\` in \`from\`, \`left\` and \`right\`, or mapped to topics with
\`to: { <port>: <topic> }\`.`,
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['branches'],
    properties: {
      branches: {
        type: 'object',
        description: 'Port name → JSONata condition, tried in order.',
        minProperties: 1,
        propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
        additionalProperties: expressionSchema('JSONata condition for this port.'),
      },
      default: {
        type: 'string',
        pattern: '^[A-Za-z][A-Za-z0-9_]*$',
        description: 'Port for records that match no branch (dropped when unset).',
      },
    },
  },
  async: false,
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
  check(config): ConfigIssue[] {
    if (config.default !== undefined && config.default in config.branches)
      return [{ path: ['default'], code: 'INVALID_CONFIG', message: `default port "${config.default}" is also a branch name: pick another name` }];
    return [];
  },
};
