/**
 * What one mobile user does in the tracing tests: opens the stream, publishes a
 * mood event and waits until it is `ingested`, then asks the Guardian and
 * waits for the final answer on the socket — every request with `headers`
 * (e.g. the app's `traceparent`).
 */
import { expect } from 'vitest';
import { TestSocket, wsUrl } from './ws-client.js';

export interface MobileClient {
  url: string;
  token(user: string): Promise<string>;
  auth(user: string): Promise<Record<string, string>>;
}

export interface MobileSession {
  published: { id: string; partition: number; offset: number };
  correlationId: string;
  /** Guardian chunks the socket received. */
  chunks: number;
}

export async function mobileSession(client: MobileClient, user: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<MobileSession> {
  const socket = await TestSocket.connect(wsUrl(client.url, '/ws'), ['aura.v1', `bearer.${await client.token(user)}`]);
  try {
    await socket.waitFor((m) => m.type === 'hello');
    const auth = await client.auth(user);
    const mood = await fetch(`${client.url}/api/holistic/mood-entries`, {
      method: 'POST',
      headers: { ...auth, ...headers },
      body: JSON.stringify({ score: 4, note: 'tired after exams' }),
    });
    expect(mood.status).toBe(201);
    const published = (await mood.json()) as MobileSession['published'];
    await socket.waitFor((m) => m.type === 'event.status' && m.event_id === published.id && m.status === 'ingested', timeoutMs);
    const advice = await fetch(`${client.url}/api/guardian/advice`, {
      method: 'POST',
      headers: { ...auth, ...headers },
      body: JSON.stringify({ question: 'How can I sleep better before exams?' }),
    });
    expect(advice.status).toBe(202);
    const { correlation_id } = (await advice.json()) as { correlation_id: string };
    await socket.waitFor((m) => m.type === 'guardian.response' && m.correlation_id === correlation_id, timeoutMs);
    const chunks = socket.messages.filter((m) => m.type === 'guardian.chunk' && m.correlation_id === correlation_id).length;
    return { published, correlationId: correlation_id, chunks };
  } finally {
    socket.close();
  }
}
