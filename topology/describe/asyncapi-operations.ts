/**
 * AsyncAPI operations from the topic usage: one `receive` per processor and
 * topic it consumes (or materialises as a table), one `send` per processor
 * and topic it produces to, one `send` for the dead letters of the whole
 * pipeline, and the gateway's side of the request-reply (it sends user events
 * and advice requests, receives answers, chunks and processing status).
 */
import type { Pipeline } from '../model.js';
import { type TopicUse, topicUsage } from './topic-usage.js';

export const KAFKA_BINDING_VERSION = '0.5.0';

type Obj = Record<string, unknown>;

const ref = ($ref: string) => ({ $ref });

function summary(pipeline: Pipeline, use: TopicUse, actors: string[]): string {
  const topic = pipeline.topics[use.topic]!.name;
  const node = pipeline.nodes[use.actor];
  const what = node ? `${use.actor} (${node.type})` : use.actor;
  switch (use.role) {
    case 'source':
      return `${what} consumes the records of ${topic}.`;
    case 'table':
      return `${what} reads ${topic} as a table: the latest record per key, kept in a local store.`;
    case 'sink':
      return `${what} produces its results to ${topic}.`;
    case 'dead_letter':
      return `Records that fail in ${actors.join(', ')} or in their sources and sinks (on_error: dead_letter) are sent here unchanged, with where they came from and why they failed in aura.dlq.* headers.`;
    case 'publish':
      return use.topic === 'guardian_requests'
        ? `POST /api/guardian/advice publishes an advice request keyed by user; the Guardian answers on the responses (and chunks) topic, routed back by the aura.reply.to header.`
        : `POST /api/holistic/{mood-entries,activities,ikigai} wraps the body in the user-event envelope and publishes it keyed by user_id; the client gets 201 once the log acknowledged it.`;
    case 'reply':
      return use.topic === 'guardian_chunks'
        ? `The gateway streams each chunk addressed to it (aura.reply.to) to the user's WebSocket as it arrives.`
        : `The gateway reads the answers addressed to it (aura.reply.to) and delivers them to the user's WebSocket or to the waiting HTTP request.`;
    case 'status':
      return use.topic === pipeline.defaults.deadLetterTopic
        ? `The gateway turns the dead letters of events it published into a failed processing status on the user's WebSocket.`
        : `The gateway follows the events it published through the pipeline: each record here carrying its aura.reply.to becomes a processing status on the user's WebSocket.`;
    default:
      return `${what} ${use.action === 'read' ? 'reads' : 'writes'} ${topic}.`;
  }
}

/** The gateway's name in operation ids (`aura-gateway` when a node is called `gateway`). */
export function gatewayActor(pipeline: Pipeline): string {
  return pipeline.nodes.gateway ? 'aura-gateway' : 'gateway';
}

/** `messageId(topicId)` names the message of each channel. */
export function operations(pipeline: Pipeline, messageId: (topicId: string) => string): Obj {
  const isPublic = (topicId: string) => pipeline.topics[topicId] && !pipeline.topics[topicId]!.internal;
  const uses = topicUsage(pipeline).filter((u) => isPublic(u.topic));
  const gatewayName = gatewayActor(pipeline);
  const out: Obj = {};
  const deadLetterActors = uses
    .filter((u) => u.role === 'dead_letter' && ['processor', 'join'].includes(pipeline.nodes[u.actor]?.kind ?? ''))
    .map((u) => u.actor);
  for (const use of uses) {
    const actor = use.role === 'dead_letter' ? pipeline.app : use.component === 'gateway' ? gatewayName : use.actor;
    const verb = use.action === 'read' ? 'receive' : 'send';
    const id = `${actor}.${verb}.${use.topic}`;
    if (out[id]) continue;
    const channel = `#/channels/${use.topic}`;
    const op: Obj = {
      action: verb,
      channel: ref(channel),
      title: `${actor} ${verb}s ${pipeline.topics[use.topic]!.name}`,
      summary: summary(pipeline, use, deadLetterActors),
      messages: [ref(`${channel}/messages/${messageId(use.topic)}`)],
    };
    if (use.component === 'pipeline') {
      op.tags = [{ name: 'pipeline' }];
      // The processors share one consumer group: the app id.
      if (verb === 'receive') op.bindings = { kafka: { groupId: { type: 'string', enum: [pipeline.app] }, bindingVersion: KAFKA_BINDING_VERSION } };
    } else {
      op.tags = [{ name: 'gateway' }];
    }
    const responses = pipeline.topics.guardian_responses;
    if (use.role === 'publish' && use.topic === 'guardian_requests' && responses && !responses.internal) {
      op.reply = {
        channel: ref('#/channels/guardian_responses'),
        messages: [ref(`#/channels/guardian_responses/messages/${messageId('guardian_responses')}`)],
      };
    }
    out[id] = op;
  }
  return out;
}
