import { describe, expect, it } from 'vitest';
import type { AdviceInput, AggregatedContext, VectorHit } from '../types.js';
import { composeAdvice, createRulesAdvisor } from './rules.js';
import { analyze, detectTopics } from './rules-analysis.js';

const DAY = 86_400_000;

function ctx(over: Partial<AggregatedContext> = {}): AggregatedContext {
  return {
    user_id: 'u1',
    version: 12,
    window: { start: 10 * DAY, end: 16 * DAY, events: 14, max_events: 50, span_ms: 7 * DAY },
    mood: { count: 6, avg: 5.5, latest: 5, trend: 'stable', slope: 0 },
    activity: { count: 4, total_minutes: 240, minutes_by_kind: { exercise: 180, social: 60 } },
    ikigai: {},
    notes: [],
    counts: { mood: 6, activity: 4, ikigai: 0, total: 10 },
    last_event_id: 'e10',
    summary_text: '',
    updated_at: 16 * DAY,
    ...over,
  };
}

const falling = { count: 6, avg: 4.1, latest: 3, trend: 'falling' as const, slope: -0.6 };
const rising = { count: 6, avg: 7.4, latest: 8.5, trend: 'rising' as const, slope: 0.5 };

/** The English answer (the Spanish one has its own tests: rules-language.test.ts). */
const advice = (question: string, context: AggregatedContext | null, history: VectorHit[] = []): string =>
  composeAdvice({ question, context, history, language: 'en' }).join(' ');

function hit(windowEnd: number, payload: Record<string, unknown>, score = 0.9): VectorHit {
  return { id: `p${windowEnd}`, score, payload: { user_id: 'u1', window_end: windowEnd, summary_text: '', ...payload } };
}

function input(over: Partial<AdviceInput> = {}): AdviceInput {
  return {
    question: 'Any advice?',
    userId: 'u1',
    context: ctx(),
    history: [],
    language: 'en',
    deadline: Date.now() + 60_000,
    signal: new AbortController().signal,
    ...over,
  };
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of it) out.push(piece);
  return out;
}

describe('rules advisor: content follows the context', () => {
  it('answers without context with general advice that says it has little data', () => {
    const text = advice('How can I sleep better?', null);
    expect(text).toMatch(/little data/);
    expect(text).toMatch(/sleep|bed/i);
    expect(text).not.toMatch(/\/10/); // no personal figures invented
    expect(
      advice(
        'hello',
        ctx({
          counts: { mood: 0, activity: 0, ikigai: 0, total: 0 },
          mood: { count: 0, avg: null, latest: null, trend: 'unknown', slope: 0 },
          activity: { count: 0, total_minutes: 0, minutes_by_kind: {} },
        }),
      ),
    ).toMatch(/little data/);
  });

  it('suggests movement when the mood is falling and there is no exercise', () => {
    const text = advice('Any advice?', ctx({ mood: falling, activity: { count: 3, total_minutes: 300, minutes_by_kind: { work: 300 } } }));
    expect(text).toMatch(/dipping/);
    expect(text).toMatch(/walk|movement/i);
    expect(text).toContain('4.1/10');
  });

  it('reinforces what works when the mood is rising, and differs materially from the falling case', () => {
    const up = composeAdvice({ question: 'Any advice?', context: ctx({ mood: rising }), history: [], language: 'en' });
    const down = composeAdvice({
      question: 'Any advice?',
      context: ctx({ mood: falling, activity: { count: 1, total_minutes: 30, minutes_by_kind: { work: 30 } } }),
      history: [],
      language: 'en',
    });
    expect(up.join(' ')).toMatch(/working, especially exercise and social time/);
    expect(up.join(' ')).not.toMatch(/dipping/);
    const shared = up.filter((s) => down.includes(s));
    expect(shared.length).toBeLessThanOrEqual(1);
  });

  it('suggests a passion for a low "love" and credits the highest ikigai dimension', () => {
    const text = advice('Any advice?', ctx({ ikigai: { love: 2, good_at: 9, world_needs: 6, paid_for: 7 } }));
    expect(text).toMatch(/What you love scores lowest in your ikigai \(2\/10\)/);
    expect(text).toMatch(/passion|hobby/);
    expect(text).toMatch(/strongest ikigai dimension is what you are good at \(9\/10\)/);
    const other = advice('Any advice?', ctx({ ikigai: { love: 8, world_needs: 3 } }));
    expect(other).toMatch(/volunteer/);
    expect(other).not.toMatch(/passion/);
  });

  it("addresses the question topic, with the user's own numbers when it has them", () => {
    const shortSleep = advice(
      'I keep waking up tired, how do I sleep better?',
      ctx({ activity: { count: 6, total_minutes: 1980, minutes_by_kind: { sleep: 1980 } } }),
    );
    expect(shortSleep).toMatch(/about 5\.5 hours of sleep a night/);
    const stress = advice('I am so stressed', ctx({ activity: { count: 3, total_minutes: 45, minutes_by_kind: { meditation: 45 } } }));
    expect(stress).toMatch(/meditation you already practise \(45 minutes logged\)/);
    expect(advice('Where do I find purpose?', ctx())).toMatch(/what you love, what you are good at/);
    expect(advice('¿Cómo puedo dormir mejor?', null)).toMatch(/sleep/i);
  });

  it('calls out heavy work, short sleep and very low mood', () => {
    const text = advice(
      'Any advice?',
      ctx({
        mood: { count: 5, avg: 2.8, latest: 2, trend: 'stable', slope: 0 },
        activity: { count: 10, total_minutes: 4000, minutes_by_kind: { work: 3400, sleep: 600 } },
      }),
    );
    expect(text).toMatch(/Work dominates your logged time/);
    expect(text).toMatch(/sleep averages about 1\.7 hours/);
    expect(text).toMatch(/health professional/);
    expect(advice('Any advice?', ctx())).not.toMatch(/health professional|Work dominates/);
  });

  it('acknowledges the theme of recent notes', () => {
    const text = advice('Any advice?', ctx({ notes: ['Big deadline at work, I feel anxious all the time', 'ok day'] }));
    expect(text).toMatch(/notes talk about stress and work \("Big deadline at work, I feel anxious all the time"\)/);
    expect(text).toMatch(/slow breathing/); // the theme is answered although the question did not ask
  });
});

describe('rules advisor: retrieved history', () => {
  const now = ctx({ mood: falling, activity: { count: 2, total_minutes: 20, minutes_by_kind: { exercise: 20 } } });

  it('mentions what the user was doing in a similar, better period', () => {
    const text = advice('Any advice?', now, [hit(5 * DAY, { mood_avg: 7.2, minutes_by_kind: { exercise: 200, social: 90, work: 600 } })]);
    expect(text).toMatch(/period that ended on January 6, 1970, your mood was better \(7\.2\/10 against 4\.1\/10 now\)/);
    expect(text).toMatch(/200 minutes of exercise/);
    expect(text).toMatch(/more exercise and social time than you log now/);
  });

  it('reads mood and activity from the summary text when the payload lacks them', () => {
    const text = advice('Any advice?', now, [
      hit(5 * DAY, { summary_text: 'Mood averaged 8/10 and rising (latest 9). Activity: 120 min outdoors, 30 min meditation.' }),
    ]);
    expect(text).toMatch(/better \(8\/10/);
    expect(text).toMatch(/120 minutes of time outdoors and 30 minutes of meditation/);
  });

  it('ignores the current window and periods that were not better', () => {
    const current = hit(16 * DAY, { mood_avg: 9, minutes_by_kind: { exercise: 500 } });
    const worse = hit(4 * DAY, { mood_avg: 4.3, minutes_by_kind: { exercise: 300 } });
    const text = advice('Any advice?', now, [current, worse]);
    expect(text).not.toMatch(/similar period/);
    expect(text).toBe(advice('Any advice?', now, []));
    const proud = advice('Any advice?', ctx({ mood: rising }), [hit(3 * DAY, { mood_avg: 5 })]);
    expect(proud).toMatch(/your mood is at its highest right now/);
  });
});

describe('rules advisor: streaming', () => {
  it('streams sentence by sentence, deterministically', async () => {
    const advisor = createRulesAdvisor();
    expect(advisor.name).toBe('rules');
    const a = await collect(advisor.advise(input({ context: ctx({ mood: falling }) })));
    const b = await collect(advisor.advise(input({ context: ctx({ mood: falling }) })));
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(2);
    expect(a.join('')).toBe(composeAdvice({ question: 'Any advice?', context: ctx({ mood: falling }), history: [], language: 'en' }).join(' '));
    for (const piece of a) expect(piece.trim()).toMatch(/[.!?)]$/);
  });

  it('stops when the signal is aborted', async () => {
    const ac = new AbortController();
    const pieces: string[] = [];
    for await (const piece of createRulesAdvisor().advise(input({ context: ctx({ mood: falling }), signal: ac.signal }))) {
      pieces.push(piece);
      ac.abort();
    }
    expect(pieces).toHaveLength(1);
    const aborted = new AbortController();
    aborted.abort();
    expect(await collect(createRulesAdvisor().advise(input({ signal: aborted.signal })))).toEqual([]);
  });

  it('leaves the deadline to the caller (its clock may be a test clock): only the signal stops it', async () => {
    expect((await collect(createRulesAdvisor().advise(input({ deadline: Date.now() - 1 })))).length).toBeGreaterThan(0);
  });
});

describe('rules analysis', () => {
  it('detects topics in English and Spanish, "mood" only as a fallback', () => {
    expect(detectTopics('I feel stressed about work')).toEqual(['stress', 'work']);
    expect(detectTopics('I feel sad')).toEqual(['mood']);
    expect(detectTopics('No tengo energía ni ganas')).toEqual(['energy', 'motivation']);
    expect(detectTopics('hello')).toEqual([]);
  });

  it('turns minutes into minutes per day over the window', () => {
    const f = analyze(
      ctx({
        window: { start: 0, end: 2 * DAY, events: 3, max_events: 50, span_ms: 7 * DAY },
        activity: { count: 2, total_minutes: 60, minutes_by_kind: { exercise: 60 } },
      }),
    );
    expect(f.days).toBe(2);
    expect(f.perDay('exercise')).toBe(30);
    expect(f.exerciseLow).toBe(false);
    expect(analyze(ctx({ activity: { count: 1, total_minutes: 60, minutes_by_kind: { exercise: 60 } } })).exerciseLow).toBe(true); // 60 min over 6 days
  });
});
