import { describe, expect, it } from 'vitest';
import type { AggregatedContext, VectorHit } from '../types.js';
import {
  buildAdviceMessages,
  checkPromptTemplate,
  DEFAULT_PROMPT_TEMPLATE,
  describeContext,
  describeHistory,
  LANGUAGE_INSTRUCTION,
  renderTemplate,
} from './prompt.js';

const context: AggregatedContext = {
  user_id: 'u7',
  version: 12,
  window: { start: Date.UTC(2025, 4, 1), end: Date.UTC(2025, 4, 8), events: 12, max_events: 50, span_ms: 7 * 86_400_000 },
  mood: { count: 5, avg: 6.26, latest: 7, trend: 'rising', slope: 0.3 },
  activity: { count: 4, total_minutes: 135, minutes_by_kind: { yoga: 45, running: 90 } },
  ikigai: { love: 8, good_at: 6, world_needs: 7 },
  notes: ['great run today', 'slept {{badly}}'],
  counts: { mood: 5, activity: 4, ikigai: 3, total: 12 },
  last_event_id: 'e12',
  summary_text: 'Mood averaged 6.3 and is rising.',
  updated_at: Date.UTC(2025, 4, 8),
};

const hit = (score: number, end: number, text: string): VectorHit => ({
  id: `p${end}`,
  score,
  payload: { user_id: 'u7', window_end: end, summary_text: text },
});

describe('advice prompt', () => {
  it('describes the context window: mood, activity by minutes, ikigai, notes, summary', () => {
    const text = describeContext(context);
    expect(text).toContain('Period: 2025-05-01 to 2025-05-08, 12 events.');
    expect(text).toContain('Mood (0-10): average 6.3 over 5 entries, latest 7, trend rising.');
    expect(text).toContain('Activity: 4 sessions, 135 minutes in total (running 90 min, yoga 45 min).');
    expect(text).toContain('Ikigai (0-10): what they love 8, what they are good at 6, what the world needs 7.');
    expect(text).not.toContain('paid for');
    expect(text).toContain('Notes (newest first): "great run today"; "slept {{badly}}".');
    expect(text).toContain('Summary: Mood averaged 6.3 and is rising.');
  });

  it('says so when nothing is known or a part is empty', () => {
    expect(describeContext(null)).toMatch(/Nothing is known/);
    const empty = {
      ...context,
      mood: { ...context.mood, count: 0, avg: null },
      activity: { count: 0, total_minutes: 0, minutes_by_kind: {} },
      ikigai: {},
      notes: [],
    };
    const text = describeContext(empty);
    expect(text).toContain('Mood: no entries.');
    expect(text).toContain('Activity: none recorded.');
    expect(text).toContain('Ikigai: not assessed.');
    expect(text).not.toContain('Notes');
  });

  it('lists the retrieved history nearest first, clipped', () => {
    expect(describeHistory([])).toBe('None found.');
    const text = describeHistory([hit(0.912, Date.UTC(2025, 3, 20), 'Mood was low.'), hit(0.5, Date.UTC(2025, 2, 2), 'x'.repeat(1000))]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('1. Period ending 2025-04-20 (similarity 0.91): Mood was low.');
    expect(lines[1]!.startsWith('2. Period ending 2025-03-02 (similarity 0.50): xxx')).toBe(true);
    expect(lines[1]!.length).toBeLessThan(500);
  });

  it('renders the default template with context and history, the question as user message', () => {
    const [system, user] = buildAdviceMessages({ question: '  Should I rest tomorrow? ', context, history: [hit(0.8, Date.UTC(2025, 3, 1), 'A calm week.')] });
    expect(system!.role).toBe('system');
    expect(system!.content.startsWith(DEFAULT_PROMPT_TEMPLATE.split('{{')[0]!)).toBe(true);
    expect(system!.content).toContain('Mood (0-10): average 6.3');
    expect(system!.content).toContain('1. Period ending 2025-04-01 (similarity 0.80): A calm week.');
    expect(system!.content).not.toMatch(/\{\{(context|history|question|language)\}\}/);
    expect(user).toEqual({ role: 'user', content: 'Should I rest tomorrow?' });
  });

  it('never expands placeholders that come from user text', () => {
    expect(renderTemplate('{{context}} / {{question}}', { context: 'note: {{question}}', question: 'Q' })).toBe('note: {{question}} / Q');
    const [system] = buildAdviceMessages({ question: '{{context}}', context, history: [] }, 'C={{ context }} Q={{question}}');
    expect(system!.content).toContain('"slept {{badly}}"');
    expect(system!.content).toContain('Q={{context}}\n\nAnswer in');
  });

  it('tells the model the language to answer in: {{language}}, or an appended instruction', () => {
    const [es] = buildAdviceMessages({ question: '¿Cómo duermo mejor?', context, history: [], language: 'es' });
    expect(es!.content).toContain(`Answer in Spanish (natural Latin-American Spanish, addressing the user as «tú»), whatever language the question`);
    expect(es!.content.match(/Answer in/g)).toHaveLength(1);
    const [en] = buildAdviceMessages({ question: 'How do I sleep better?', context, history: [], language: 'en' });
    expect(en!.content).toContain('Answer in English, whatever language');
    // The default (no language on the input) is AURA360's: Spanish.
    expect(buildAdviceMessages({ question: 'x', context, history: [] })[0]!.content).toContain('Answer in Spanish');
    const [custom] = buildAdviceMessages({ question: 'x', context: null, history: [], language: 'en' }, 'Use {{ language }}. {{history}}');
    expect(custom!.content).toBe('Use English. None found.');
    const [old] = buildAdviceMessages({ question: 'x', context: null, history: [], language: 'es' }, '{{history}}');
    expect(old!.content).toBe(
      `None found.\n\n${LANGUAGE_INSTRUCTION.replace('{{language}}', 'Spanish (natural Latin-American Spanish, addressing the user as «tú»)')}`,
    );
  });

  it('checks templates for unknown placeholders', () => {
    expect(() => checkPromptTemplate(DEFAULT_PROMPT_TEMPLATE)).not.toThrow();
    expect(() => checkPromptTemplate('{{ question }} and {{history}}')).not.toThrow();
    expect(() => checkPromptTemplate('{{context}} {{mood}} {{notes}}')).toThrow('unknown placeholder {{mood}}, {{notes}}');
  });
});
