/** What a test may change in the smallest pipeline's `defaults:`. */
export interface SmallPipelineOptions {
  /** `exactly_once` for the Kafka tests that need transactions (default: the DSL's). */
  processing?: 'exactly_once' | 'at_least_once';
  /** Where state lives (default: `${AURA_STATE_DIR}`, resolved by the CLI from the environment). */
  stateDir?: string;
}

/**
 * The smallest pipeline the CLI tests serve: one context-window aggregate over
 * the user events (no embedder, so no model download in a test), with the
 * app and topic names a test gives so that runs never share topics.
 */
export function contextWindowPipeline(app: string, topicPrefix: string, options: SmallPipelineOptions = {}): string {
  const processing = options.processing ? `\n  processing: ${options.processing}` : '';
  return `app: ${app}
defaults:
  partitions: 2${processing}
  state_dir: ${options.stateDir ?? '${AURA_STATE_DIR}'}
topics:
  user_events: { name: ${topicPrefix}.user.events, schema: user-event }
  context_aggregated: { name: ${topicPrefix}.context.aggregated }
stores:
  user_context: { kind: key_value }
processors:
  aggregate_context:
    type: aggregate
    from: user_events
    to: context_aggregated
    store: user_context
    config: { preset: context_window }
`;
}
