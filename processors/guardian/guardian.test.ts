/**
 * The guardian and the answer's language, through a TopologyTestDriver: the
 * request's language reaches the advisor and is recorded on the response, the
 * chunks are in it, a request without one gets `default_language`, and the
 * guardian's own timeout and error answers are in it too (status and error
 * code stay language-neutral).
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../providers/advisors/language.js';
import type { AdviceInput, Advisor } from '../../providers/types.js';
import { inlineDriver } from '../../testing/inline-driver.js';
import type { TopologyTestDriver } from '../../testing/test-driver.js';

const PIPELINE = `
app: guardian-language
defaults: { partitions: 1 }
topics:
  requests: { name: g.requests, schema: guardian-request }
  responses: { name: g.responses, schema: guardian-response }
  chunks: { name: g.chunks, schema: guardian-chunk }
resources:
  advisor: { type: rules }
processors:
  guardian:
    type: guardian
    from: requests
    to: { responses: responses, chunks: chunks }
    config:
      advisor: advisor
      chunk_words: 5
      default_language: \${AURA_DEFAULT_LANGUAGE:-es}
`;

/** The rule-based advisor's contract, recording the language it was asked for; `fail` makes it throw after one piece. */
function recordingAdvisor(fail = false): Advisor & { languages: Array<string | undefined> } {
  const languages: Array<string | undefined> = [];
  return {
    name: 'recording',
    languages,
    async *advise(input: AdviceInput) {
      languages.push(input.language);
      yield input.language === 'es' ? 'Duerme a la misma hora cada noche.' : 'Sleep at the same time every night.';
      if (fail) throw new Error('model server down');
    },
    close: async () => undefined,
  };
}

interface Response {
  correlation_id: string;
  status: string;
  language: string;
  advice: string;
  chunks: number;
  error?: { code: string };
}

let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function ask(requests: Array<Record<string, unknown>>, options: { env?: Record<string, string>; advisor?: Advisor } = {}) {
  driver = await inlineDriver(PIPELINE, { env: options.env ?? {}, resources: options.advisor ? { advisor: options.advisor } : {} });
  const now = driver.clock.now();
  await driver.pipeInput(
    'requests',
    requests.map((r) => ({ key: 'ana', value: { user_id: 'ana', question: '¿Cómo duermo mejor?', deadline: now + 30_000, created_at: now, ...r } })),
  );
  await driver.settle();
  const responses = (await driver.readOutput('responses')).map((r) => r.value as Response);
  const chunks = (await driver.readOutput('chunks')).map((r) => r.value as { correlation_id: string; text: string; final: boolean });
  const textOf = (id: string): string =>
    chunks
      .filter((c) => c.correlation_id === id && !c.final)
      .map((c) => c.text)
      .join(' ');
  return { responses, textOf };
}

describe('guardian: the answer language', () => {
  it("passes the request's language to the advisor and records it on the response", async () => {
    const advisor = recordingAdvisor();
    const { responses, textOf } = await ask(
      [
        { correlation_id: 'es', language: 'es' },
        { correlation_id: 'en', language: 'en', question: 'How do I sleep better?' },
        { correlation_id: 'es-MX', language: 'es-MX' }, // another producer's regional tag
      ],
      { advisor },
    );
    expect(advisor.languages).toEqual(['es', 'en', 'es']);
    expect(responses.map((r) => [r.correlation_id, r.status, r.language])).toEqual([
      ['es', 'ok', 'es'],
      ['en', 'ok', 'en'],
      ['es-MX', 'ok', 'es'],
    ]);
    expect(textOf('es')).toBe('Duerme a la misma hora cada noche.');
    expect(responses[0]!.advice).toBe(textOf('es'));
    expect(textOf('en')).toBe('Sleep at the same time every night.');
  });

  it('answers requests without a language (or with one it does not speak) in default_language', async () => {
    const spanish = await ask([{ correlation_id: 'none' }, { correlation_id: 'fr', language: 'fr' }]);
    expect(spanish.responses.map((r) => r.language)).toEqual(['es', 'es']);
    expect(spanish.textOf('none')).toMatch(/^Todavía tengo pocos datos sobre ti/); // the rules advisor, no context yet
    await driver!.close();
    const english = await ask([{ correlation_id: 'none' }], { env: { AURA_DEFAULT_LANGUAGE: 'en' } });
    expect(english.responses.map((r) => r.language)).toEqual(['en']);
    expect(english.textOf('none')).toMatch(/^I have little data about you yet/);
  });

  it('rejects a default_language it does not speak when the pipeline compiles', async () => {
    await expect(ask([], { env: { AURA_DEFAULT_LANGUAGE: 'fr' } })).rejects.toThrow(/default_language/);
  });

  it('says why there is no answer, in the request language: past the deadline, and when the advisor fails', async () => {
    const late = await ask([{ correlation_id: 'late', language: 'es', deadline: 1 }]);
    expect(late.responses[0]).toMatchObject({ status: 'timeout', language: 'es', error: { code: 'DEADLINE_EXCEEDED' } });
    expect(late.textOf('late')).toBe('Perdón, no alcancé a terminar mi respuesta a tiempo. Vuelve a preguntarme en un momento.');
    expect(late.responses[0]!.advice).toBe(late.textOf('late'));
    await driver!.close();
    const failed = await ask([{ correlation_id: 'boom', language: 'en' }], { advisor: recordingAdvisor(true) });
    expect(failed.responses[0]).toMatchObject({ status: 'error', language: 'en', error: { code: expect.any(String) } });
    expect(failed.textOf('boom')).toBe(
      'Sleep at the same time every night. Something went wrong while I was preparing your answer. Please try again in a moment.',
    );
  });
});

describe('event schemas', () => {
  it('request and response carry the languages the Guardian speaks', () => {
    for (const name of ['guardian-request', 'guardian-response']) {
      const schema = JSON.parse(fs.readFileSync(new URL(`../../schemas/events/${name}.schema.json`, import.meta.url), 'utf8')) as {
        properties: { language: { enum: string[] } };
      };
      expect(schema.properties.language.enum).toEqual([...LANGUAGES]);
    }
  });
});
