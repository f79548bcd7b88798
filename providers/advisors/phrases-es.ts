/**
 * El español del Guardián: the same keys and placeholders as phrases-en.ts,
 * written for AURA360's users — Latin-American Spanish, warm, addressing the
 * user as «tú», and free of gendered adjectives about the user (we do not
 * know whether to write «cansado» or «cansada»). Not a word-by-word
 * translation: sentences say the same facts (same figures, same limits) in
 * the way a Spanish-speaking coach would put them.
 */
import type { PhraseKey } from './phrasebook.js';

export const es: Record<PhraseKey, string> = {
  'unit.minute.one': '{n} minuto',
  'unit.minute.other': '{n} minutos',
  'unit.hour.one': '{n} hora',
  'unit.hour.other': '{n} horas',
  'unit.day.one': '{n} día',
  'unit.day.other': '{n} días',
  'date.on': 'el {date}',

  'prompt.language': 'Spanish (natural Latin-American Spanish, addressing the user as «tú»)',

  'guardian.timeout': 'Perdón, no alcancé a terminar mi respuesta a tiempo. Vuelve a preguntarme en un momento.',
  'guardian.error': 'Algo salió mal mientras preparaba tu respuesta. Inténtalo de nuevo en un momento.',

  'generic.intro': 'Todavía tengo pocos datos sobre ti, así que por ahora te doy consejos generales.',
  'generic.basics':
    'Lo básico rinde mucho: dormir con horarios regulares, moverte un poco cada día, salir al aire libre y pasar tiempo con la gente que quieres.',
  'generic.log_more': 'Registra tu ánimo y tus actividades durante unos días y podré darte consejos a tu medida.',

  'mood.figures': 'promedio de {avg}/10',
  'mood.figures_latest': 'promedio de {avg}/10, último registro {latest}/10',
  'opening.no_mood': 'Todavía no registraste tu ánimo en este periodo, así que me voy a guiar por tus actividades y tus notas.',
  'opening.falling': 'Tu ánimo ha venido bajando últimamente ({figures}); qué bueno que te tomes este momento para ver cómo estás.',
  'opening.rising': 'Tu ánimo va mejorando ({figures}): lo que has estado haciendo te está funcionando. ¡Sigue así!',
  'opening.rising_top': 'Tu ánimo va mejorando ({figures}): lo que has estado haciendo te está funcionando, sobre todo {kinds}. ¡Sigue así!',
  'opening.low': 'Tu ánimo ha estado bajo ({figures}), y me alegra que me escribas.',
  'opening.good': 'En general, tu ánimo ha estado bien ({figures}).',
  'opening.steady': 'Tu ánimo se ha mantenido estable, alrededor de {avg}/10.',
  'closing.small_step': 'Elige la sugerencia que te parezca más fácil y hazla hoy: los pasos pequeños también cuentan.',
  'closing.keep_logging': 'Sigue registrando tu ánimo y tus actividades para que mis consejos sean cada vez más a tu medida.',
  'low.reach_out':
    'Si llevas más de unos días sintiéndote así de mal, por favor habla con alguien de confianza o con un profesional de la salud: no tienes por qué cargar con esto sin ayuda.',
  'notes.themes': 'Tus notas recientes hablan de {themes} ("{note}"), y lo tuve en cuenta.',

  'sleep.low':
    'Registraste unas {sleep} de sueño por noche; la mayoría de los adultos necesita de 7 a 9, así que lo primero que probaría es una hora fija, y más temprana, para irte a dormir.',
  'sleep.ok':
    'Tu sueño registrado, unas {sleep} por noche, está en un rango saludable, así que conviene cuidar su calidad: nada de pantallas en los últimos 30 minutos, un cuarto fresco y oscuro, y nada de cafeína después de las 2 de la tarde.',
  'sleep.general':
    'Para dormir mejor, levántate a la misma hora todos los días, deja las pantallas 30 minutos antes de acostarte y evita la cafeína desde media tarde.',
  'stress.meditates':
    'Cuando el estrés se acumule, apóyate en la meditación que ya practicas ({minutes} en tu registro): incluso 5 minutos de respiración lenta, inhalando en 4 tiempos y exhalando en 6, calman la respuesta del cuerpo al estrés.',
  'stress.general':
    'Para el estrés, prueba 5 minutos de respiración lenta, inhalando en 4 tiempos y exhalando en 6, o una meditación guiada corta: en pocos minutos calma la respuesta del cuerpo al estrés.',
  'energy.sleep_low': 'La falta de energía suele venir de noches cortas, y tu registro de sueño apunta a eso: dormir más es lo primero que puedes ajustar.',
  'energy.move': 'Parece al revés, pero una caminata a buen ritmo de 10 minutos te da más energía que otro café, y últimamente registraste poco movimiento.',
  'energy.general': 'Para mantener tu energía estable, come a horas regulares, toma agua y aléjate de las pantallas unos minutos cada 90 minutos.',
  'motivation.general':
    'Cuando la motivación está baja, haz el siguiente paso tan pequeño que se sienta fácil (cinco minutos de la tarea ya cuentan) y deja que el impulso haga el resto.',
  'purpose.general':
    'El propósito suele crecer donde se juntan cuatro cosas: lo que amas, lo que haces bien, lo que el mundo necesita y aquello por lo que te pueden pagar.',
  'purpose.rate_ikigai': 'Si calificas esas cuatro dimensiones del ikigai en la app, vas a ver dónde está tu brecha.',
  'exercise.none':
    'No registraste ejercicio en este periodo: empieza con una caminata de 10 a 15 minutos al día y ve subiendo hasta llegar a 150 minutos por semana.',
  'exercise.low': 'Registraste {minutes} de ejercicio en {days}; una caminata corta los demás días te acercaría a los 150 minutos por semana recomendados.',
  'exercise.good': 'Te estás moviendo bien ({minutes} de ejercicio en tu registro): mantén la variedad y deja espacio para un día de descanso.',
  'exercise.general': 'Busca unos 150 minutos de movimiento moderado a la semana; con una caminata diaria de 20 minutos ya llegas.',
  'social.logged': 'Has pasado tiempo con otras personas ({minutes} en tu registro): cuida esos vínculos, protegen tu ánimo como casi ninguna otra cosa.',
  'social.general': 'Conectar con otros importa mucho para tu bienestar: un mensaje o una llamada corta hoy a alguien de confianza es un buen comienzo.',
  'work.heavy':
    'El trabajo se está llevando buena parte de tu tiempo (unas {hours} al día en tu registro): ponle un final claro a tu jornada y toma pausas cortas entre bloques de concentración.',
  'work.general': 'Para concentrarte, trabaja en bloques de 25 a 50 minutos en una sola tarea, con pausas cortas entre uno y otro.',
  'mood.general':
    'Lo que más mueve el ánimo son acciones pequeñas y constantes: luz natural por la mañana, algo de movimiento y tiempo con la gente que quieres.',

  'activity.move_falling':
    'Como tu ánimo ha venido bajando y registraste poco ejercicio, moverte es lo más efectivo que puedes sumar: una caminata de 20 minutos al aire libre, idealmente con luz de día.',
  'activity.move_low': 'Últimamente registraste poco ejercicio; incluso una caminata de 15 minutos casi todos los días hace una diferencia real en el ánimo.',
  'activity.work_heavy':
    'El trabajo ocupa la mayor parte de tu tiempo registrado (unas {hours} en {days}); planea algo que te recargue al salir, como una caminata, un pasatiempo o un rato con amigos.',
  'activity.sleep_low': 'Tu sueño registrado promedia unas {hours} por noche; dormir entre 7 y 9 horas te ayudaría tanto con el ánimo como con la energía.',
  'activity.meditation_pays': 'Tu práctica de meditación ({minutes} en tu registro) parece estar dando frutos, así que mantenla en tu rutina.',
  'activity.meditation_try': 'Unos minutos de meditación o de respiración consciente cada día podrían ayudarte a recuperar el equilibrio.',

  'ikigai.strongest': 'La dimensión más fuerte de tu ikigai es {dim} ({score}/10), un recurso real sobre el cual construir.',
  'ikigai.lowest': 'La dimensión más baja de tu ikigai es {dim} ({score}/10): {tip}.',
  'ikigai.love': 'lo que amas',
  'ikigai.good_at': 'lo que haces bien',
  'ikigai.world_needs': 'lo que el mundo necesita de ti',
  'ikigai.paid_for': 'aquello por lo que te pueden pagar',
  'ikigai_tip.love': 'esta semana hazle espacio a una pasión o un pasatiempo, aunque sea una hora de algo que hagas solo por el gusto de hacerlo',
  'ikigai_tip.good_at': 'elige una habilidad para practicar un poco cada semana y fíjate en cómo vas avanzando',
  'ikigai_tip.world_needs':
    'ayudar a otros, con voluntariado, acompañando a alguien que está empezando o apoyando a una amistad, es una de las formas más seguras de sentirte útil',
  'ikigai_tip.paid_for':
    'anota cuáles de tus fortalezas valorarían otras personas y da un paso pequeño, como actualizar tu CV o conversar con alguien de ese campo',

  'history.better':
    'En un periodo parecido que terminó {when}, tu ánimo estaba mejor ({past}/10{vs}); piensa en lo que hacías entonces, quizá valga la pena repetirlo.',
  'history.better_mix': 'En un periodo parecido que terminó {when}, tu ánimo estaba mejor ({past}/10{vs}); en ese entonces registraste {mix}.',
  'history.vs_now': ' frente a {now}/10 ahora',
  'history.item': '{minutes} de {kind}',
  'history.more': 'Eso es más {kinds} de lo que registras ahora, así que retomar parte de eso podría ayudarte.',
  'history.bring_back': 'Retomar algo de esa rutina podría ayudarte.',
  'history.best_now':
    'Comparado con periodos parecidos (el mejor fue de {best}/10), tu ánimo está en su punto más alto ahora mismo, así que sigue haciendo lo que estás haciendo.',

  'topic.sleep': 'sueño',
  'topic.stress': 'estrés',
  'topic.energy': 'energía',
  'topic.motivation': 'motivación',
  'topic.purpose': 'propósito',
  'topic.exercise': 'ejercicio',
  'topic.social': 'tus vínculos con los demás',
  'topic.work': 'trabajo',
  'topic.mood': 'cómo te sientes',
  'kind.exercise': 'ejercicio',
  'kind.meditation': 'meditación',
  'kind.sleep': 'sueño',
  'kind.social': 'tiempo con otras personas',
  'kind.work': 'trabajo',
  'kind.nutrition': 'cocina y comidas',
  'kind.outdoors': 'tiempo al aire libre',
  'kind.other': 'otras actividades',
  'kind_the.exercise': 'el ejercicio',
  'kind_the.meditation': 'la meditación',
  'kind_the.sleep': 'el sueño',
  'kind_the.social': 'el tiempo con otras personas',
  'kind_the.work': 'el trabajo',
  'kind_the.nutrition': 'la cocina y las comidas',
  'kind_the.outdoors': 'el tiempo al aire libre',
  'kind_the.other': 'otras actividades',
};
