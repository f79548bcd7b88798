/** The `openai_chat` resource type: an advisor over an OpenAI-compatible chat completions endpoint, streamed (chat-advisor.ts). */
import { duration, integer, number, object, optional, string } from '../../schemas/config-schema.js';
import { traceAdvisor } from '../advisors/advisor-tracing.js';
import { API_KEY_DESCRIPTION, concurrencyField, maxRetriesField, urlField } from '../http/config-fields.js';
import { defineResource, optionalSecret } from '../resource.js';
import { createOpenAiChatAdvisor } from './chat-advisor.js';

export const openAiChatResource = defineResource({
  type: 'openai_chat',
  role: 'advisor',
  summary: 'An OpenAI-compatible chat completions endpoint, streamed.',
  config: object({
    url: urlField('Base URL of the API, with or without `/v1`.'),
    model: string({ minLength: 1, description: 'Chat model name.' }),
    api_key: optional(string({ description: API_KEY_DESCRIPTION })),
    prompt_template: optional(
      string({
        description:
          "System prompt; `{{context}}` (the user's context window), `{{history}}` (similar past contexts), `{{question}}` and `{{language}}` (the language to answer in, e.g. `Spanish (…)`) are replaced; without `{{language}}` an instruction to answer in the request's language is appended. The question is also sent as the user message. Default: a short wellness-coach prompt (providers/openai/prompt.ts).",
      }),
    ),
    temperature: optional(number({ minimum: 0, maximum: 2, description: 'Sampling temperature.' })),
    max_tokens: optional(integer({ minimum: 1, description: 'Longest answer, in tokens.' })),
    timeout: duration('Longest wait for the first token and between tokens. The whole answer is bounded by the request deadline.', '30s'),
    max_retries: maxRetriesField(2, ', only before the first token'),
    concurrency: concurrencyField(4, 'Streamed answers'),
  }),
  create: (config, context) =>
    traceAdvisor(
      createOpenAiChatAdvisor({
        url: config.url,
        model: config.model,
        apiKey: optionalSecret(config.api_key),
        promptTemplate: config.prompt_template,
        temperature: config.temperature,
        maxTokens: config.max_tokens,
        timeoutMs: config.timeout,
        maxRetries: config.max_retries,
        concurrency: config.concurrency,
        name: context.id,
      }),
      { id: context.id, type: 'openai_chat', remote: true },
    ),
});
