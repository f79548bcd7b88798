/**
 * What the load test checks on each user's stream, as a pure function: every
 * event went received → aggregated → vectorized → ingested (once each, in that
 * order), every answer is its chunks 0..n-1 then exactly one final message,
 * the sequence numbers have no gap and no repeat, and no gap/reset notice came.
 */
import type { StreamMessage } from '../../testing/support/ws-client.js';

const STAGES = ['received', 'aggregated', 'vectorized', 'ingested'];

export interface StreamCheck {
  problems: string[];
  inferred: number;
  /** The `ingested` status of each event and the final message of each answer, for latencies. */
  ingested: Map<string, StreamMessage>;
  firstChunk: Map<string, StreamMessage>;
  final: Map<string, StreamMessage>;
}

export function checkStream(messages: StreamMessage[], eventIds: Iterable<string>, correlationIds: Iterable<string>): StreamCheck {
  const out: StreamCheck = { problems: [], inferred: 0, ingested: new Map(), firstChunk: new Map(), final: new Map() };
  const seqd = messages.filter((m) => m.seq !== undefined);
  const first = seqd[0]?.seq ?? 1;
  seqd.forEach((m, k) => {
    if (m.seq !== first + k) out.problems.push(`seq ${m.seq} at position ${k} (expected ${first + k})`);
  });
  for (const m of messages) if (m.type === 'stream.gap' || m.type === 'stream.reset') out.problems.push(`unexpected ${m.type}`);
  for (const id of eventIds) {
    const statuses = seqd.filter((m) => m.event_id === id);
    const names = statuses.map((m) => m.status);
    if (names.join() !== STAGES.join()) out.problems.push(`event ${id}: statuses ${names.join('→') || 'none'}`);
    out.inferred += statuses.filter((m) => m.inferred).length;
    const ingested = statuses.find((m) => m.status === 'ingested');
    if (ingested) out.ingested.set(id, ingested);
  }
  for (const cid of correlationIds) {
    const mine = seqd.filter((m) => m.correlation_id === cid);
    const chunks = mine.filter((m) => m.type === 'guardian.chunk');
    const finals = mine.filter((m) => m.type === 'guardian.response');
    const last = mine.at(-1);
    if (!last || last.type !== 'guardian.response') {
      out.problems.push(`advice ${cid}: no final message last (${mine.length} messages)`);
      continue;
    }
    if (finals.length !== 1) out.problems.push(`advice ${cid}: ${finals.length} final messages`);
    if (last.status !== 'ok') out.problems.push(`advice ${cid}: status ${last.status}`);
    if (chunks.some((c, k) => c.index !== k) || last.chunks !== chunks.length || !chunks.at(-1)?.final) {
      out.problems.push(`advice ${cid}: chunks ${chunks.map((c) => c.index).join(',')} for ${last.chunks} announced`);
    }
    if (chunks[0]) out.firstChunk.set(cid, chunks[0]);
    out.final.set(cid, last);
  }
  return out;
}
