/**
 * The Guardian's English: every sentence and label the rule-based advisor
 * and the guardian say, by key. `{name}` is filled by the renderer
 * (phrasebook.ts) with a figure, a date, the user's own words or another
 * phrase. Spanish (phrases-es.ts) has exactly the same keys and placeholders;
 * phrasebook.test.ts fails when they drift apart.
 */
export const en = {
  // Units: the renderer picks `.one` or `.other` with Intl.PluralRules.
  'unit.minute.one': '{n} minute',
  'unit.minute.other': '{n} minutes',
  'unit.hour.one': '{n} hour',
  'unit.hour.other': '{n} hours',
  'unit.day.one': '{n} day',
  'unit.day.other': '{n} days',
  'date.on': 'on {date}',

  // What the model is told to answer in ({{language}} in the prompt template).
  'prompt.language': 'English',

  // Said by the guardian itself, whatever the advisor.
  'guardian.timeout': "I'm sorry, I couldn't finish my answer in time. Please ask me again in a moment.",
  'guardian.error': 'Something went wrong while I was preparing your answer. Please try again in a moment.',

  // No context yet.
  'generic.intro': 'I have little data about you yet, so this is general advice.',
  'generic.basics': 'The basics carry a long way: regular sleep, some movement every day, time outdoors and time with people you like.',
  'generic.log_more': 'Log your mood and activities for a few days and I can tailor my advice to you.',

  // The mood trend, first sentence of an answer.
  'mood.figures': 'average {avg}/10',
  'mood.figures_latest': 'average {avg}/10, latest {latest}/10',
  'opening.no_mood': "You haven't logged your mood in this period yet, so I'll go by your activities and notes.",
  'opening.falling': 'Your mood has been dipping lately ({figures}), and it is good that you are checking in.',
  'opening.rising': 'Your mood is on the rise ({figures}): what you have been doing is working, so keep it up.',
  'opening.rising_top': 'Your mood is on the rise ({figures}): what you have been doing is working, especially {kinds}, so keep it up.',
  'opening.low': 'Your mood has been low ({figures}), and I am glad you reached out.',
  'opening.good': 'Your mood has been good overall ({figures}).',
  'opening.steady': 'Your mood has been steady around {avg}/10.',
  'closing.small_step': 'Pick the one suggestion that feels easiest and do it today; small steps count.',
  'closing.keep_logging': 'Keep logging your mood and activities so I can keep my advice specific to you.',
  'low.reach_out':
    "If you have been feeling this low for more than a few days, please talk to someone you trust or a health professional: you don't have to carry it alone.",
  'notes.themes': 'Your recent notes talk about {themes} ("{note}"), and I have taken that into account.',

  // The question's topic.
  'sleep.low': 'You logged about {sleep} of sleep a night; most adults need 7 to 9, so a fixed, earlier bedtime is the first thing I would try.',
  'sleep.ok':
    'Your logged sleep, about {sleep} a night, is in a healthy range, so look at its quality: no screens in the last 30 minutes, a cool dark room and no caffeine after 2 pm.',
  'sleep.general': 'For better sleep, keep the same wake-up time every day, put screens away 30 minutes before bed and avoid caffeine after mid-afternoon.',
  'stress.meditates':
    "When stress builds up, lean on the meditation you already practise ({minutes} logged): even 5 minutes of slow breathing, in for 4 counts and out for 6, calms the body's stress response.",
  'stress.general':
    "For stress, try 5 minutes of slow breathing, in for 4 counts and out for 6, or a short guided meditation: it calms the body's stress response within minutes.",
  'energy.sleep_low': 'Low energy often follows short nights, and your sleep log points that way: more sleep is the first lever.',
  'energy.move': 'It sounds backwards, but a brisk 10-minute walk raises energy more reliably than another coffee, and you have logged little movement lately.',
  'energy.general': 'To keep your energy steady, eat regular meals, drink water and step away from screens for a few minutes every 90 minutes.',
  'motivation.general': 'When motivation is low, shrink the next step until it feels easy (five minutes of the task counts) and let momentum do the rest.',
  'purpose.general': 'Purpose tends to grow where four things meet: what you love, what you are good at, what the world needs and what you can be paid for.',
  'purpose.rate_ikigai': 'Rating those four ikigai dimensions in the app would show where your gap is.',
  'exercise.none': "You haven't logged any exercise in this period: start with a 10 to 15 minute walk a day and build up towards 150 minutes a week.",
  'exercise.low': 'You logged {minutes} of exercise over {days}; a short walk on the other days would bring you closer to the recommended 150 minutes a week.',
  'exercise.good': 'You are moving well ({minutes} of exercise logged): keep it varied and leave room for a rest day.',
  'exercise.general': 'Aim for about 150 minutes of moderate movement a week; a daily 20-minute walk already gets you there.',
  'social.logged':
    'You have been spending time with people ({minutes} logged): keep those connections going, they protect mood more than almost anything else.',
  'social.general': 'Connection matters a lot for wellbeing: a short message or call to someone you trust, today, is a good start.',
  'work.heavy':
    'Work is taking much of your time (about {hours} a day logged): protect a clear end to the working day and take short breaks between focused blocks.',
  'work.general': 'For focus, work in 25 to 50 minute blocks on a single task with short breaks in between.',
  'mood.general': 'Small, regular actions move mood the most: morning daylight, some movement and time with people you like.',

  // The activity mix.
  'activity.move_falling':
    "Since your mood has been dropping and you've logged little exercise, movement is the most effective thing to add: a 20-minute walk outside, ideally in daylight.",
  'activity.move_low': "You've logged little exercise lately; even a 15-minute walk most days makes a measurable difference to mood.",
  'activity.work_heavy':
    'Work dominates your logged time (about {hours} over {days}); plan something restorative after work, like a walk, a hobby or time with friends.',
  'activity.sleep_low': 'Your logged sleep averages about {hours} a night; getting closer to 7 to 9 hours would help both mood and energy.',
  'activity.meditation_pays': 'Your meditation practice ({minutes} logged) seems to be paying off, so keep it in your routine.',
  'activity.meditation_try': 'A few minutes of meditation or mindful breathing each day could help you steady things.',

  // Ikigai.
  'ikigai.strongest': 'Your strongest ikigai dimension is {dim} ({score}/10), a real resource to build on.',
  'ikigai.lowest': '{dim} scores lowest in your ikigai ({score}/10): {tip}.',
  'ikigai.love': 'what you love',
  'ikigai.good_at': 'what you are good at',
  'ikigai.world_needs': 'what the world needs from you',
  'ikigai.paid_for': 'what you can be paid for',
  'ikigai_tip.love': 'make room for a passion or hobby this week, even one hour of something you do just for the joy of it',
  'ikigai_tip.good_at': 'pick one skill to practise a little each week and notice your progress',
  'ikigai_tip.world_needs': 'helping others, by volunteering, mentoring or supporting a friend, is one of the surest ways to feel useful',
  'ikigai_tip.paid_for': 'list which of your strengths people would value and take one small step, like updating your CV or talking to someone in that field',

  // Retrieved history.
  'history.better':
    'In a similar period that ended {when}, your mood was better ({past}/10{vs}); think back to what you were doing then, it may be worth repeating.',
  'history.better_mix': 'In a similar period that ended {when}, your mood was better ({past}/10{vs}); back then you logged {mix}.',
  'history.vs_now': ' against {now}/10 now',
  'history.item': '{minutes} of {kind}',
  'history.more': 'That is more {kinds} than you log now, so bringing some of it back could help.',
  'history.bring_back': 'Bringing some of that routine back could help.',
  'history.best_now': 'Compared with similar past periods (at best {best}/10), your mood is at its highest right now, so keep doing what you are doing.',

  // Labels: topics (in "your notes talk about …"), activity kinds bare ("minutes of …")
  // and with the article the language puts before them ("especially …").
  'topic.sleep': 'sleep',
  'topic.stress': 'stress',
  'topic.energy': 'energy',
  'topic.motivation': 'motivation',
  'topic.purpose': 'purpose',
  'topic.exercise': 'exercise',
  'topic.social': 'connection with others',
  'topic.work': 'work',
  'topic.mood': 'how you feel',
  'kind.exercise': 'exercise',
  'kind.meditation': 'meditation',
  'kind.sleep': 'sleep',
  'kind.social': 'social time',
  'kind.work': 'work',
  'kind.nutrition': 'cooking and meals',
  'kind.outdoors': 'time outdoors',
  'kind.other': 'other activities',
  'kind_the.exercise': 'exercise',
  'kind_the.meditation': 'meditation',
  'kind_the.sleep': 'sleep',
  'kind_the.social': 'social time',
  'kind_the.work': 'work',
  'kind_the.nutrition': 'cooking and meals',
  'kind_the.outdoors': 'time outdoors',
  'kind_the.other': 'other activities',
} as const satisfies Record<string, string>;
