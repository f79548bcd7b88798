/** The `rules` resource type: the offline, rule-based Guardian advisor (rules.ts). */
import { object } from '../../schemas/config-schema.js';
import { defineResource } from '../resource.js';
import { traceAdvisor } from './advisor-tracing.js';
import { warmUpFormatters } from './phrasebook.js';
import { createRulesAdvisor } from './rules.js';

export const rulesAdvisorResource = defineResource({
  type: 'rules',
  role: 'advisor',
  summary: "The offline, rule-based Guardian: advice from the user's context window and retrieved history.",
  config: object({}),
  create: (_config, context) => {
    warmUpFormatters();
    return traceAdvisor(createRulesAdvisor(), { id: context.id, type: 'rules', remote: false });
  },
});
