import { describe, expect, it } from 'vitest';
import { LANGUAGES, languageOf } from './language.js';
import { compareBooks, PHRASE_BOOKS, phrase, placeholders, sentence } from './phrasebook.js';
import { en } from './phrases-en.js';
import { es } from './phrases-es.js';

describe('phrase books', () => {
  it('have the same keys, with the same placeholders, in every language', () => {
    expect(Object.keys(PHRASE_BOOKS).sort()).toEqual([...LANGUAGES].sort());
    expect(compareBooks(PHRASE_BOOKS)).toEqual([]);
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it('the check fails on a key missing from one language, and on placeholders that differ', () => {
    const english = { 'a.one': 'Hello {name}', 'a.two': 'Bye', 'a.three': '{n} of {kind}' };
    const spanish = { 'a.one': 'Hola {nombre}', 'a.three': '{kind}: {n}', 'a.four': 'Extra' };
    expect(compareBooks({ en: english, es: spanish })).toEqual([
      { key: 'a.four', problem: 'missing in en' },
      { key: 'a.one', problem: 'placeholders differ (en: {name}; es: {nombre})' },
      { key: 'a.two', problem: 'missing in es' },
    ]);
    // The order of placeholders may differ between languages (Spanish puts things elsewhere); their set may not.
    expect(compareBooks({ en: { k: '{a} then {b}' }, es: { k: '{b} y luego {a}' } })).toEqual([]);
  });

  it('holds no untranslated copy: a Spanish phrase is never the English one', () => {
    const copies = Object.keys(en).filter((k) => es[k as keyof typeof en] === en[k as keyof typeof en]);
    expect(copies).toEqual([]);
  });

  it('keeps the figures of every phrase: the same numbers appear in both languages', () => {
    const numbers = (t: string): string[] => (t.match(/\d+(?:\.\d+)?/g) ?? []).sort();
    const differ = Object.keys(en).filter((k) => numbers(es[k as keyof typeof en]).join() !== numbers(en[k as keyof typeof en]).join());
    expect(differ).toEqual([]);
  });

  it('addresses the user as tú, never as usted', () => {
    const usted = Object.entries(es).filter(([, t]) => /\busted(es)?\b|\bsu (ánimo|sueño|registro)\b/i.test(t));
    expect(usted).toEqual([]);
  });
});

describe('rendering', () => {
  it('fills placeholders with figures, units in the right number, dates and lists in each language', () => {
    const p = phrase('activity.work_heavy', { hours: { count: 3400 / 60, unit: 'hour' }, days: { count: 1, unit: 'day' } });
    expect(sentence(p, 'en')).toContain('(about 56.7 hours over 1 day)');
    expect(sentence(p, 'es')).toContain('(unas 56.7 horas en 1 día)');
    const item = (m: number, kind: 'kind.exercise' | 'kind.outdoors') => phrase('history.item', { minutes: { count: m, unit: 'minute' }, kind: phrase(kind) });
    const mix = phrase('history.better_mix', {
      when: phrase('date.on', { date: { date: Date.UTC(2026, 0, 6) } }),
      past: 7.25,
      vs: undefined,
      mix: { list: [item(1, 'kind.exercise'), item(30, 'kind.outdoors')] },
    });
    expect(sentence(mix, 'en')).toContain(
      'ended on January 6, 2026, your mood was better (7.3/10); back then you logged 1 minute of exercise and 30 minutes of time outdoors.',
    );
    expect(sentence(mix, 'es')).toContain(
      'terminó el 6 de enero de 2026, tu ánimo estaba mejor (7.3/10); en ese entonces registraste 1 minuto de ejercicio y 30 minutos de tiempo al aire libre.',
    );
  });

  it('writes Spanish lists the Spanish way ("y" becomes "e" before an i sound) and capitalises the sentence', () => {
    const themes = phrase('notes.themes', { themes: { list: [phrase('topic.exercise'), { text: 'ikigai' }] }, note: { text: 'x' } });
    expect(sentence(themes, 'es')).toMatch(/^Tus notas recientes hablan de ejercicio e ikigai/);
    const lowest = phrase('ikigai.lowest', { dim: phrase('ikigai.love'), score: 2, tip: phrase('ikigai_tip.love') });
    expect(sentence(lowest, 'en')).toMatch(/^What you love scores lowest/);
  });

  it('never expands placeholders that come from user text', () => {
    const p = phrase('notes.themes', { themes: { list: [phrase('topic.sleep')] }, note: { text: '{note} {themes}' } });
    expect(sentence(p, 'es')).toBe('Tus notas recientes hablan de sueño ("{note} {themes}"), y lo tuve en cuenta.');
  });

  it('lists placeholders once each, sorted', () => {
    expect(placeholders('{b} and {a}, {b}')).toEqual(['a', 'b']);
  });
});

describe('languageOf', () => {
  it('reads the primary subtag of BCP 47 tags and POSIX locales', () => {
    expect(['es', 'es-MX', 'es_419', 'ES', 'es-ES', 'es_AR.UTF-8', ' es '].map(languageOf)).toEqual(Array(7).fill('es'));
    expect(['en', 'en-US', 'EN-gb', 'en_US.UTF-8'].map(languageOf)).toEqual(Array(4).fill('en'));
    expect(['fr', 'pt-BR', '*', '', 'e', 'esp', 'english', 'x'.repeat(100), 42, null, undefined, {}].map(languageOf)).toEqual(Array(12).fill(undefined));
  });
});
