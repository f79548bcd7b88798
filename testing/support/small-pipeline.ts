/**
 * The smallest pipeline the CLI tests serve: one context-window aggregate over
 * the user events (no embedder, so no model download in a test), with the
 * app and topic names a test gives so that runs never share topics.
 */
export function contextWindowPipeline(app: string, topicPrefix: string): string {
  return `app: ${app}
defaults:
  partitions: 2
  state_dir: \${AURA_STATE_DIR}
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
