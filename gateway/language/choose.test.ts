/**
 * The answer language of `POST /api/guardian/advice`, through `app.request()`:
 * the order of the clues (body > token `locale` > Accept-Language > the
 * question > the default), what is recorded on the request event, and, with
 * the pipeline running, a Spanish answer built from the same facts as the
 * English one.
 */
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, PIPELINE_FILE, startHarness, TEST_SECRET } from '../../testing/support/gateway-harness.js';
import { loadPipeline } from '../../topology/compile.js';
import { pipelineDefaultLanguage } from './choose.js';

const token = (sub: string, claims: Record<string, unknown> = {}) => sign({ sub, exp: Math.floor(Date.now() / 1000) + 3600, ...claims }, TEST_SECRET, 'HS256');

interface Ask {
  body: Record<string, unknown>;
  locale?: unknown;
  acceptLanguage?: string;
  prefer?: string;
}

async function ask(h: Harness, user: string, a: Ask): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await token(user, a.locale === undefined ? {} : { locale: a.locale })}`,
    'content-type': 'application/json',
  };
  if (a.acceptLanguage !== undefined) headers['accept-language'] = a.acceptLanguage;
  if (a.prefer) headers.prefer = a.prefer;
  return h.gateway.app.request('/api/guardian/advice', { method: 'POST', headers, body: JSON.stringify(a.body) });
}

const EN_Q = 'How do I sleep better?';
const ES_Q = '¿Cómo duermo mejor?';

describe('the answer language: which clue wins', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ engine: false }); // only the request side: nothing answers
  });
  afterAll(async () => h?.close());

  const cases: Array<[string, Ask, 'es' | 'en']> = [
    ['the body over everything', { body: { question: EN_Q, language: 'es' }, locale: 'en', acceptLanguage: 'en' }, 'es'],
    ['a regional tag in the body', { body: { question: ES_Q, language: 'en-GB' }, locale: 'es' }, 'en'],
    ['the token locale over Accept-Language and the question', { body: { question: EN_Q }, locale: 'es-MX', acceptLanguage: 'en-US' }, 'es'],
    ['the token locale, POSIX style', { body: { question: ES_Q }, locale: 'en_US', acceptLanguage: 'es' }, 'en'],
    ['Accept-Language over the question', { body: { question: EN_Q }, acceptLanguage: 'es-419,es;q=0.9,en;q=0.5' }, 'es'],
    ['Accept-Language by q, skipping what we do not speak', { body: { question: ES_Q }, acceptLanguage: 'fr-FR, de;q=0.9, en;q=0.3, es;q=0.2' }, 'en'],
    ['a token locale we do not speak passes to Accept-Language', { body: { question: EN_Q }, locale: 'fr-FR', acceptLanguage: 'es' }, 'es'],
    ['the question when no header helps', { body: { question: ES_Q }, acceptLanguage: 'fr, *;q=0.5, en;q=0' }, 'es'],
    ['the question, in English', { body: { question: EN_Q }, locale: 42 }, 'en'],
    ['the question, Spanish without accents', { body: { question: 'como duermo mejor' } }, 'es'],
    ['the default when nothing tells', { body: { question: 'ok?' }, acceptLanguage: '' }, 'es'],
  ];

  it.each(cases)('%s', async (_name, a, expected) => {
    const res = await ask(h, 'lena', a);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { correlation_id: string; language: string };
    expect(body.language).toBe(expected);
    // Recorded on the request event the Guardian reads.
    const records = await h.readTopic('guardian_requests');
    const request = records
      .map((r) => JSON.parse(r.value!.toString('utf8')) as { correlation_id: string; language: string })
      .find((r) => r.correlation_id === body.correlation_id);
    expect(request?.language).toBe(expected);
  });

  it('reads the locale claim of a token verified earlier too (from the verification cache)', async () => {
    const jwt = await token('lena', { locale: 'es-AR' });
    for (let i = 0; i < 2; i++) {
      const res = await h.gateway.app.request('/api/guardian/advice', {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json', 'accept-language': 'en' },
        body: JSON.stringify({ question: EN_Q }),
      });
      expect(((await res.json()) as { language: string }).language).toBe('es');
    }
  });

  it('rejects a body language it cannot answer in with a 400 that says which it can', async () => {
    for (const language of ['fr', '', 42, null, ['es'], 'x'.repeat(200)]) {
      const res = await ask(h, 'lena', { body: { question: EN_Q, language } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string }; errors: Array<{ path: string; message: string }> };
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.errors).toEqual([{ path: '/language', message: 'must be a language tag of "es" or "en" (e.g. "es-MX")' }]);
    }
  });

  it('takes the default from the Guardian of the pipeline (AURA_DEFAULT_LANGUAGE)', () => {
    const withEnv = (value?: string) =>
      pipelineDefaultLanguage(loadPipeline(PIPELINE_FILE, { env: { AURA_VECTOR_DB: ':memory:', AURA_DEFAULT_LANGUAGE: value } }));
    expect(withEnv()).toBe('es');
    expect(withEnv('en')).toBe('en');
    expect(() => withEnv('fr')).toThrow(/default_language/);
  });
});

describe('a Spanish question gets a Spanish answer built from the same facts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('answers in Spanish with her note and her numbers, and in English with the same numbers', async () => {
    const headers = { authorization: `Bearer ${await token('sofia')}`, 'content-type': 'application/json' };
    const note = await h.gateway.app.request('/api/holistic/mood-entries/', {
      method: 'POST',
      headers,
      body: JSON.stringify({ score: 4, note: 'dormí mal, cansada' }),
    });
    expect(note.status).toBe(201);
    type Answer = { status: string; language: string; advice: string; context_version: number | null };
    // The first answer that sees her note (the context table fills in asynchronously).
    const spanish = await eventually(async () => {
      const res = await ask(h, 'sofia', { body: { question: ES_Q }, acceptLanguage: 'es', prefer: 'wait=10' });
      const body = (await res.json()) as Answer;
      return body.context_version === 1 ? { res, body } : undefined;
    }, 20_000);
    expect(spanish.res.status).toBe(200);
    expect(spanish.res.headers.get('content-language')).toBe('es');
    expect(spanish.body).toMatchObject({ status: 'ok', language: 'es' });
    expect(spanish.body.advice).toMatch(/^Tu ánimo ha estado bajo \(promedio de 4\/10, último registro 4\/10\)/);
    expect(spanish.body.advice).toContain('Tus notas recientes hablan de sueño y energía ("dormí mal, cansada")');
    expect(spanish.body.advice).not.toMatch(/\b(your|the|and|mood)\b/i);

    const english = await ask(h, 'sofia', { body: { question: EN_Q }, prefer: 'wait=10' });
    const en = (await english.json()) as Answer;
    expect(english.headers.get('content-language')).toBe('en');
    expect(en).toMatchObject({ status: 'ok', language: 'en', context_version: 1 });
    expect(en.advice).toMatch(/^Your mood has been low \(average 4\/10, latest 4\/10\)/);
    const figures = (t: string) => t.match(/\d+(?:\.\d+)?/g);
    expect(figures(spanish.body.advice)).toEqual(figures(en.advice));

    // The response events record the language each was answered in.
    const responses = (await h.readTopic('guardian_responses')).map((r) => JSON.parse(r.value!.toString('utf8')) as Answer);
    expect(responses.filter((r) => r.context_version === 1).map((r) => r.language)).toEqual(['es', 'en']);
  });
});
