/**
 * The publishing endpoints and their event types. A body is validated
 * against its event data schema in `schemas/events` (the same files the
 * pipeline's topics name) through the route's operation declaration
 * (routes/holistic.ts, openapi/validate.ts).
 */
export type UserEventType = 'user.mood.created' | 'user.activity.created' | 'user.ikigai.updated';

/** The publishing endpoints of the plan: path segment → data schema and event type. */
export const PUBLISH_KINDS: Record<string, { schema: string; type: UserEventType }> = {
  'mood-entries': { schema: 'mood-entry', type: 'user.mood.created' },
  activities: { schema: 'activity', type: 'user.activity.created' },
  ikigai: { schema: 'ikigai-update', type: 'user.ikigai.updated' },
};
