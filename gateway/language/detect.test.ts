/**
 * The language detector on the short questions AURA360's users ask, against
 * tinyld alone: the measurement behind the choice in detect.ts. TUNING is the
 * corpus the heuristic's word lists were written against; HELD_OUT was
 * written afterwards and never used to tune them.
 */
import { detect } from 'tinyld';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, type Language, languageOf } from '../../providers/advisors/language.js';
import { detectLanguage, languageScores } from './detect.js';

const TUNING: Record<Language, string[]> = {
  es: [
    '¿Cómo duermo mejor?',
    'como duermo mejor',
    '¿Qué hago con la ansiedad?',
    'Estoy muy cansada',
    'No tengo ganas de nada',
    '¿Por qué me siento triste?',
    'dormí mal',
    'Tengo mucho estrés en el trabajo',
    '¿Cómo puedo tener más energía?',
    'necesito motivación',
    '¿Qué ejercicio me recomiendas?',
    'me siento sola',
    '¿Debería meditar?',
    'ayuda',
    'hola',
    '¿Y ahora qué?',
    'estoy agotado',
    'no puedo dormir',
    '¿Cómo manejo el estrés?',
    'quiero encontrar mi propósito',
    'me duele la cabeza',
    '¿Es normal sentirse así?',
    'Gracias',
    'tengo insomnio',
    '¿qué hago?',
    'mi jefe me presiona mucho',
    'como bajo la ansiedad',
    '¿Sirve caminar?',
    'consejos para dormir',
    'estoy bien',
    'que puedo hacer para estar mas tranquila',
    'me despierto a las 3 de la mañana',
    'no se que hacer con mi vida',
    'duermo poco',
    '¿cuánto debo dormir?',
    'insomnio',
    'ansiedad',
    'estrés',
    'cansancio',
    'Últimamente ando de malas',
    '¿Me ayudas?',
    'trabajo demasiado',
    'no me concentro',
    'siento que no avanzo',
    '¿Vale la pena correr todos los días?',
    'qué como para tener energía',
    'me cuesta levantarme',
    'ando muy estresado',
    '¿Cómo salgo de la rutina?',
    'Necesito un consejo',
    'Buenas noches',
    '¿Meditar sirve para algo?',
    'Me siento desmotivada',
    'tengo pesadillas',
    'no tengo amigos aquí',
    '¿Qué tal voy?',
    'Dame un consejo',
    'estoy durmiendo fatal',
    'mucho trabajo',
    'Me peleé con mi pareja',
  ],
  en: [
    'How do I sleep better?',
    'how can i sleep better',
    'What should I do about anxiety?',
    'I am so tired',
    'I have no motivation',
    'Why do I feel sad?',
    'slept badly',
    'I have a lot of stress at work',
    'How can I get more energy?',
    'need motivation',
    'Which exercise do you recommend?',
    'I feel lonely',
    'Should I meditate?',
    'help',
    'hello',
    'What now?',
    'I am exhausted',
    'I cannot sleep',
    'How do I handle stress?',
    'I want to find my purpose',
    'my head hurts',
    'Is it normal to feel this way?',
    'Thanks',
    'I have insomnia',
    'what do I do?',
    'my boss pushes me hard',
    'how to lower anxiety',
    'Does walking help?',
    'tips for sleeping',
    'I am fine',
    'what can I do to feel calmer',
    'I wake up at 3 in the morning',
    "I don't know what to do with my life",
    'I sleep too little',
    'how much should I sleep?',
    'insomnia',
    'anxiety',
    'stress',
    'fatigue',
    "I've been in a bad mood lately",
    'Can you help me?',
    'I work too much',
    "I can't focus",
    'I feel stuck',
    'Is running every day worth it?',
    'what should I eat for energy',
    'getting up is hard',
    "I'm really stressed out",
    'How do I break out of a rut?',
    'I need some advice',
    'Good night',
    'Does meditation do anything?',
    'I feel unmotivated',
    'I keep having nightmares',
    "I don't have friends here",
    'How am I doing?',
    'Give me a tip',
    'sleeping terribly',
    'so much work',
    'I had a fight with my partner',
  ],
};

const HELD_OUT: Record<Language, string[]> = {
  es: [
    'Llevo tres noches sin pegar ojo',
    'me agobio con los exámenes',
    'ando bajoneada',
    'quisiera bajar de peso',
    'Qué opinas de mis resultados',
    'Estoy preocupado por mi mamá',
    'mis hijos no me dejan descansar',
    'quiero dejar de fumar',
    'Cómo organizo mi semana',
    'siento el pecho apretado',
    'Qué significa mi puntaje de ikigai',
    'hice yoga hoy',
    'me enojo fácil',
    'Salí a trotar',
    'no sé si cambiar de carrera',
    'Cuál es mi racha',
    'estoy aburrida',
    'cómo respiro para calmarme',
    'me cuesta concentrarme en clase',
    'comí mal toda la semana',
    'Extraño a mi familia',
    'Por qué estoy tan irritable',
    'tomo mucho café',
    'ya no disfruto nada',
    'necesito desconectarme',
    'estoy feliz hoy',
    'tuve un día pesado',
    'Me recomiendas algún libro',
    'qué tal mi progreso',
    'me siento culpable',
    'mi hermana está enferma',
    'no he salido de casa',
    'quiero ser más productiva',
    'Cómo dejo el celular en la noche',
    'Tengo frío y sueño',
    'se me olvida todo',
    'me corrieron del trabajo',
    'cumplí mis metas',
    'Voy al gimnasio mañana',
    'Hoy lloré',
  ],
  en: [
    'Three nights without a wink of sleep',
    'exams are overwhelming me',
    'feeling blue',
    'I would like to lose weight',
    'What do you think of my results',
    'I am worried about my mom',
    'my kids never let me rest',
    'I want to quit smoking',
    'How should I plan my week',
    'my chest feels tight',
    'What does my ikigai score mean',
    'did yoga today',
    'I get angry easily',
    'Went for a jog',
    'not sure whether to switch careers',
    'What is my streak',
    'so bored',
    'how should I breathe to calm down',
    'hard to concentrate in class',
    'ate badly all week',
    'I miss my family',
    'Why am I so irritable',
    'I drink a lot of coffee',
    'nothing is fun anymore',
    'I need to disconnect',
    'happy today',
    'rough day',
    'Can you recommend a book',
    'how is my progress',
    'I feel guilty',
    'my sister is sick',
    "haven't left the house",
    'I want to be more productive',
    'How do I put my phone away at night',
    'Cold and sleepy',
    'I forget everything',
    'I got fired',
    'reached my goals',
    'Gym tomorrow',
    'Cried today',
  ],
};

/** No language in them: a detector should not pretend. */
const NEUTRAL = ['ok', '?', '123', 'yoga', 'hmm', 'no', '😴', 'zzz'];

type Detector = (text: string) => Language | undefined | Promise<Language | undefined>;

async function measure(detector: Detector, corpus: Record<Language, string[]>) {
  const result = { right: 0, wrong: [] as string[], undecided: [] as string[] };
  for (const language of LANGUAGES) {
    for (const text of corpus[language]) {
      const got = await detector(text);
      if (got === language) result.right++;
      else if (got) result.wrong.push(text);
      else result.undecided.push(text);
    }
  }
  return result;
}

const tinyldAlone: Detector = (text) => languageOf(detect(text, { only: [...LANGUAGES] }));
const heuristicAlone: Detector = (text) => {
  const { es, en } = languageScores(text);
  return es === en ? undefined : es > en ? 'es' : 'en';
};

describe('language detection on short questions', () => {
  it('detects the obvious pair', async () => {
    expect(await detectLanguage('¿Cómo duermo mejor?')).toBe('es');
    expect(await detectLanguage('como duermo mejor')).toBe('es');
    expect(await detectLanguage('How do I sleep better?')).toBe('en');
  });

  it('makes no mistake on either corpus, where tinyld alone misses more and the heuristic alone abstains on a few', async () => {
    for (const corpus of [TUNING, HELD_OUT]) {
      const chosen = await measure(detectLanguage, corpus);
      expect(chosen.wrong).toEqual([]);
      expect(chosen.undecided).toEqual([]);
      const heuristic = await measure(heuristicAlone, corpus);
      expect(heuristic.wrong).toEqual([]);
      expect(heuristic.undecided.length).toBeLessThanOrEqual(1);
      const tinyld = await measure(tinyldAlone, corpus);
      expect(tinyld.right).toBeLessThan(chosen.right);
    }
    // The figures quoted in detect.ts (both corpora together, 200 questions).
    const all = { es: [...TUNING.es, ...HELD_OUT.es], en: [...TUNING.en, ...HELD_OUT.en] };
    const tinyld = await measure(tinyldAlone, all);
    expect([tinyld.wrong.length + tinyld.undecided.length, tinyld.wrong]).toEqual([11, ['hello']]);
    const heuristic = await measure(heuristicAlone, all);
    expect(heuristic.wrong.length + heuristic.undecided.length).toBe(2);
  });

  it('abstains on text with no language in it, so the default decides', async () => {
    for (const text of NEUTRAL) expect(await detectLanguage(text)).toBeUndefined();
    expect(await detectLanguage('')).toBeUndefined();
  });

  it('takes any input without failing', async () => {
    for (const text of ['\u0000\uffff', '🙂'.repeat(2000), "'".repeat(2000), 'ñ'.repeat(2000), 'a'.repeat(2000)]) {
      const got = await detectLanguage(text);
      expect(got === undefined || LANGUAGES.includes(got)).toBe(true);
    }
  });
});
