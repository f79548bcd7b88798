/**
 * The `advise <resource>` span (docs/operations.md, "Tracing"): one advisor
 * call of the Guardian, from the call until the last piece of the answer (or
 * its failure). Its parent is the span active at the call — the Guardian's
 * `process` span. Resources wrap their advisor with it when they are created;
 * while tracing is off they get their advisor back unchanged.
 */
import { type Context, context, SpanKind, trace } from '@opentelemetry/api';
import { recordFailure, SpanNames, startSpan, tracingOn } from '../../common/tracing/spans.js';
import type { AdviceInput, Advisor } from '../types.js';

export interface TracedAdvisorInfo {
  /** The resource id (`resources:` key): the span's name. */
  id: string;
  /** The resource type (`rules`, `openai_chat`). */
  type: string;
  /** A remote service is called (CLIENT span) rather than local code (INTERNAL). */
  remote: boolean;
}

export function traceAdvisor(advisor: Advisor, info: TracedAdvisorInfo): Advisor {
  if (!tracingOn()) return advisor;
  return {
    name: advisor.name,
    close: () => advisor.close(),
    // The parent is taken now, at the call: the pieces are pulled later, from whatever context iterates.
    advise: (input) => tracedAnswer(advisor, input, info, context.active()),
  };
}

async function* tracedAnswer(advisor: Advisor, input: AdviceInput, info: TracedAdvisorInfo, parent: Context): AsyncGenerator<string> {
  const span = startSpan(SpanNames.advise(info.id), info.remote ? SpanKind.CLIENT : SpanKind.INTERNAL, parent, () => ({
    'aura.advisor.type': info.type,
    'aura.advisor.name': advisor.name,
    'aura.advice.language': input.language ?? '',
    'aura.advice.history': input.history.length,
    'aura.advice.has_context': input.context !== null,
  }));
  let pieces = 0;
  try {
    const answer = context.with(trace.setSpan(parent, span), () => advisor.advise(input));
    for await (const piece of answer) {
      pieces++;
      yield piece;
    }
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    if (span.isRecording()) span.setAttributes({ 'aura.advice.pieces': pieces, 'aura.advice.aborted': input.signal.aborted });
    span.end();
  }
}
