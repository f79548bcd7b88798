/**
 * A `process <node>` span for every record a processor or join node handles
 * (docs/operations.md, "Tracing"). Installed by the task graph when a task is
 * built with tracing on — while it is off the node keeps its own processor and
 * receiver, and nothing here runs.
 *
 * The span's parent is the record's `traceparent` header (the gateway's
 * publish, or the node upstream). The node sees a copy of the record whose
 * headers name the span, so whatever it forwards — to the next node, to a sink
 * and its topic, to a fused reader in memory — carries the span on as the
 * parent of the next hop. A span that is not sampled changes no header: the
 * parent's `traceparent` already says "not sampled" downstream.
 */
import type { Attributes } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { contextOfHeaders, headersWithSpan, runInSpan, SpanNames, startSpan, tracingOn } from '../common/tracing/spans.js';
import type { Processor, ProcessorContext, StreamRecord } from '../processors/types.js';
import type { NodeSpec } from '../topology/model.js';
import type { Receiver } from './node.js';

/** Runs `handle` in the node's span for `record`, handing it the record with the span's headers. */
function traced<R>(spec: NodeSpec, ctx: ProcessorContext | undefined, withOrigin: boolean, record: StreamRecord, handle: (record: StreamRecord) => R): R {
  const parent = contextOfHeaders(record.headers);
  const span = startSpan(SpanNames.process(spec.id), SpanKind.CONSUMER, parent, () => nodeAttributes(spec, ctx, withOrigin));
  if (!span.isRecording()) return runInSpan(span, parent, () => handle(record));
  const copy: StreamRecord = { key: record.key, value: record.value, timestamp: record.timestamp, headers: headersWithSpan(record.headers, span) };
  return runInSpan(span, parent, () => handle(copy));
}

function nodeAttributes(spec: NodeSpec, ctx: ProcessorContext | undefined, withOrigin: boolean): Attributes {
  const attributes: Attributes = {
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'aura.node.id': spec.id,
    'aura.node.type': spec.type,
  };
  if (ctx) {
    attributes['aura.task.id'] = ctx.taskId;
    attributes['messaging.destination.partition.id'] = String(ctx.partition);
    // The polled record being processed (an asynchronous node runs later, when another one may be current: none then).
    const origin = withOrigin ? ctx.origin() : undefined;
    if (origin) {
      attributes['messaging.destination.name'] = origin.topic;
      if (origin.offset >= 0) attributes['messaging.kafka.offset'] = origin.offset;
    }
  }
  return attributes;
}

/** `processor`, traced when tracing is on; `processor` itself otherwise. `async`: its type runs it in a lane. */
export function traceProcessor(processor: Processor, spec: NodeSpec, async: boolean): Processor {
  if (!tracingOn()) return processor;
  let ctx: ProcessorContext | undefined;
  return {
    init(c) {
      ctx = c;
      return processor.init?.(c);
    },
    // Asynchronous processors run in their lane: the span covers their work, not their wait.
    process: (record) => traced(spec, ctx, !async, record, (r) => processor.process(r)),
    close: () => processor.close?.(),
  };
}

/** A join's receiver, traced when tracing is on. */
export function traceReceiver(receiver: Receiver, spec: NodeSpec, ctx: ProcessorContext | undefined): Receiver {
  if (!tracingOn()) return receiver;
  return (record, from, port) => traced(spec, ctx, true, record, (r) => receiver(r, from, port));
}
