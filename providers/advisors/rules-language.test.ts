/**
 * The rule-based Guardian in Spanish and English: the same facts from the
 * same context in both languages (property-tested over random contexts),
 * a Spanish answer entirely in Spanish, and Spanish notes and questions
 * understood as well as English ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AggregatedContext, VectorHit } from '../types.js';
import { composeAdvice, createRulesAdvisor } from './rules.js';
import { detectTopics } from './rules-analysis.js';

const DAY = 86_400_000;

function ctx(over: Partial<AggregatedContext> = {}): AggregatedContext {
  return {
    user_id: 'ana',
    version: 3,
    window: { start: 10 * DAY, end: 16 * DAY, events: 9, max_events: 50, span_ms: 7 * DAY },
    mood: { count: 5, avg: 4.2, latest: 3, trend: 'falling', slope: -0.5 },
    activity: { count: 4, total_minutes: 1500, minutes_by_kind: { sleep: 1380, work: 120 } },
    ikigai: {},
    notes: ['dormí mal, cansada', 'mucho trabajo'],
    counts: { mood: 5, activity: 4, ikigai: 0, total: 9 },
    last_event_id: 'e9',
    summary_text: '',
    updated_at: 16 * DAY,
    ...over,
  };
}

/** The facts an answer states, as a reader would pick them out: every figure, in order of appearance. */
const figures = (sentences: string[]): string[] => sentences.join(' ').match(/\d+(?:\.\d+)?/g) ?? [];

describe('the same answer in Spanish and English', () => {
  it('answers "¿Cómo duermo mejor?" in Spanish, from her notes and her numbers', () => {
    const input = { question: '¿Cómo duermo mejor?', context: ctx(), history: [] };
    const es = composeAdvice({ ...input, language: 'es' });
    const en = composeAdvice({ ...input, language: 'en' });
    const text = es.join(' ');
    expect(text).toMatch(/^Tu ánimo ha venido bajando últimamente \(promedio de 4\.2\/10, último registro 3\/10\)/);
    expect(text).toContain('Registraste unas 3.8 horas de sueño por noche');
    expect(text).toContain('Tus notas recientes hablan de sueño y energía ("dormí mal, cansada"), y lo tuve en cuenta.');
    expect(text).not.toMatch(/\b(the|your|you|and|mood|sleep|with)\b/i); // no English left in it
    // The English answer says the same things, with the same figures, sentence for sentence.
    expect(en[0]).toMatch(/^Your mood has been dipping lately \(average 4\.2\/10, latest 3\/10\)/);
    expect(en.join(' ')).toContain('You logged about 3.8 hours of sleep a night');
    expect(es).toHaveLength(en.length);
    expect(figures(es)).toEqual(figures(en));
  });

  it('states the same facts in both languages for any context, question and history', () => {
    const kinds = fc.constantFrom('exercise', 'meditation', 'sleep', 'social', 'work', 'nutrition', 'outdoors', 'other', 'walk');
    const score = fc.integer({ min: 0, max: 100 }).map((n) => n / 10);
    const context = fc.record({
      avg: fc.option(score, { nil: null }),
      latest: fc.option(score, { nil: null }),
      trend: fc.constantFrom('rising', 'falling', 'stable', 'unknown' as const),
      minutes: fc.dictionary(kinds, fc.integer({ min: 1, max: 5000 }), { maxKeys: 5 }),
      days: fc.integer({ min: 1, max: 7 }),
      ikigai: fc.record({ love: score, good_at: score, world_needs: score, paid_for: score }, { requiredKeys: [] }),
      notes: fc.array(fc.constantFrom('dormí mal, cansada', 'Big deadline at work, I feel anxious', 'estrés 2 días seguidos', 'caminé 30 min', 'ok'), {
        maxLength: 3,
      }),
    });
    const history = fc.array(
      fc.record({
        end: fc.integer({ min: 0, max: 9 }),
        mood: fc.option(score, { nil: undefined }),
        mix: fc.dictionary(kinds, fc.integer({ min: 1, max: 900 }), { maxKeys: 3 }),
      }),
      { maxLength: 3 },
    );
    const question = fc.constantFrom(
      '¿Cómo duermo mejor?',
      'How do I sleep better?',
      'estoy agotada y sin ganas',
      'Any advice?',
      'me siento sola',
      'work stress',
    );
    fc.assert(
      fc.property(context, history, question, fc.boolean(), (c, h, q, known) => {
        const total = Object.values(c.minutes).reduce((a, b) => a + b, 0);
        const context: AggregatedContext | null = known
          ? ctx({
              window: { start: 0, end: c.days * DAY, events: 10, max_events: 50, span_ms: 7 * DAY },
              mood: { count: c.avg === null ? 0 : 3, avg: c.avg, latest: c.avg === null ? null : c.latest, trend: c.trend, slope: 0 },
              activity: { count: Object.keys(c.minutes).length, total_minutes: total, minutes_by_kind: c.minutes },
              ikigai: c.ikigai,
              notes: c.notes,
            })
          : null;
        const hits: VectorHit[] = h.map((p, i) => ({
          id: `p${i}`,
          score: 0.9,
          payload: { user_id: 'ana', window_end: (p.end * DAY) / 2, summary_text: '', mood_avg: p.mood, minutes_by_kind: p.mix },
        }));
        const input = { question: q, context, history: hits };
        const es = composeAdvice({ ...input, language: 'es' });
        const en = composeAdvice({ ...input, language: 'en' });
        expect(es).toHaveLength(en.length);
        expect(figures(es)).toEqual(figures(en));
        for (const s of [...es, ...en]) expect(s).not.toMatch(/\{[a-z_]+\}|undefined|NaN/);
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('answers in Spanish with no context yet, and streams in the language asked for', async () => {
    const general = composeAdvice({ question: '¿Cómo duermo mejor?', context: null, history: [], language: 'es' });
    expect(general[0]).toBe('Todavía tengo pocos datos sobre ti, así que por ahora te doy consejos generales.');
    expect(general.join(' ')).toMatch(/Para dormir mejor/);
    expect(figures(general)).toEqual(figures(composeAdvice({ question: 'How do I sleep better?', context: null, history: [], language: 'en' })));
    let streamed = '';
    const signal = new AbortController().signal;
    for await (const piece of createRulesAdvisor().advise({
      question: '¿Cómo duermo mejor?',
      userId: 'ana',
      context: ctx(),
      history: [],
      language: 'es',
      deadline: Infinity,
      signal,
    }))
      streamed += piece;
    expect(streamed).toBe(composeAdvice({ question: '¿Cómo duermo mejor?', context: ctx(), history: [], language: 'es' }).join(' '));
  });
});

describe('Spanish topics', () => {
  it.each([
    ['dormí mal, cansada', ['sleep', 'energy']],
    ['Dormi fatal y estoy cansado', ['sleep', 'energy']],
    ['sigo durmiendo poco', ['sleep']],
    ['no duermo bien, tengo insomnio', ['sleep']],
    ['tengo sueño todo el día', ['sleep']],
    ['Mucha ansiedad por el examen', ['stress']],
    ['estoy muy ansiosa', ['stress']],
    ['Estrés en el trabajo', ['stress', 'work']],
    ['estres con mi jefe', ['stress', 'work']],
    ['me agobia todo', ['stress']],
    ['Salí a caminar y luego al gimnasio', ['exercise']],
    ['hoy corrí 5 km', ['exercise']],
    ['ejercicio: nada esta semana', ['exercise']],
    ['qué cansancio', ['energy']],
    ['agotamiento total', ['energy']],
    ['no tengo ganas de nada', ['motivation']],
    ['me siento sola', ['social']],
    ['extraño a mis amigos y a mi familia', ['social']],
    ['no le encuentro sentido a mi vida', ['purpose']],
    ['busco el sentido de mi vida', ['purpose']],
    ['me siento triste', ['mood']],
    ['Hoy lloré', ['mood']],
  ])('%s → %j', (text, topics) => {
    expect(detectTopics(text)).toEqual(topics);
  });

  it('does not read "solo" (only), "nada" (nothing) or "me suena" as topics', () => {
    expect(detectTopics('solo quiero un consejo')).toEqual([]);
    expect(detectTopics('nada nuevo')).toEqual([]);
    expect(detectTopics('me suena bien')).toEqual([]);
  });

  it('treats a Spanish note as it treats the English one', () => {
    const answer = (notes: string[], language: 'es' | 'en') =>
      composeAdvice({
        question: 'Any advice?',
        context: ctx({ notes, mood: { count: 3, avg: 6, latest: 6, trend: 'stable', slope: 0 } }),
        history: [],
        language,
      });
    const spanish = answer(['Mucho estrés en el trabajo, me siento ansiosa'], 'en');
    const english = answer(['Big deadline at work, I feel anxious all the time'], 'en');
    // Same themes, same follow-up advice: only the quoted note differs.
    expect(spanish.map((s) => s.replace(/\("[^"]*"\)/, '(…)'))).toEqual(english.map((s) => s.replace(/\("[^"]*"\)/, '(…)')));
    expect(answer(['Mucho estrés en el trabajo, me siento ansiosa'], 'es').join(' ')).toMatch(
      /hablan de estrés y trabajo \("Mucho estrés en el trabajo, me siento ansiosa"\).*respiración lenta/,
    );
  });
});
