/**
 * Reads a Guardian request from the guardian's input: either a bare
 * `guardian-request` or the output of a join with the user's context
 * (`{left: request, right: context}`).
 */
import { AuraError, ErrorCodes } from '../../common/errors.js';
import { type Language, languageOf } from '../../providers/advisors/language.js';
import type { AggregatedContext } from '../../providers/types.js';

export interface GuardianRequest {
  correlation_id: string;
  user_id: string;
  question: string;
  deadline: number;
  created_at: number;
  /** The language to answer in: the request's (a tag such as `es-MX` counts as `es`), else the configured default. */
  language: Language;
}

export function unpackRequest(
  value: unknown,
  defaultDeadlineMs: number,
  defaultLanguage: Language,
): { request: GuardianRequest; context: AggregatedContext | null } {
  const v = (value ?? {}) as Record<string, unknown>;
  const joined = 'left' in v;
  const raw = (joined ? v.left : v) as Record<string, unknown> | null;
  const context = (joined ? v.right : null) as AggregatedContext | null;
  if (!raw || typeof raw.correlation_id !== 'string' || typeof raw.user_id !== 'string' || typeof raw.question !== 'string') {
    throw new AuraError(ErrorCodes.SCHEMA_VIOLATION, 'a guardian request needs string correlation_id, user_id and question');
  }
  const created = typeof raw.created_at === 'number' ? raw.created_at : Date.now();
  const deadline = typeof raw.deadline === 'number' ? raw.deadline : created + defaultDeadlineMs;
  // Other producers may send no language, or one we do not speak: they get the default, not an error.
  const language = languageOf(raw.language) ?? defaultLanguage;
  return { request: { correlation_id: raw.correlation_id, user_id: raw.user_id, question: raw.question, deadline, created_at: created, language }, context };
}
