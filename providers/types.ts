/**
 * The provider interfaces processors see (through `ctx.getResource(id)`).
 * Kept small and free of native types (no better-sqlite3, no onnxruntime):
 * swapping the embedded store for Qdrant, or MiniLM for an HTTP embedder,
 * changes no processor.
 */
import type { Language } from './advisors/language.js';

export { pointId } from './point-id.js';

/** Turns texts into fixed-size vectors (unit length for the built-in embedders). */
export interface Embedder {
  /** Model id, recorded next to each vector so a model change is visible. */
  readonly model: string;
  readonly dims: number;
  /** One vector per text, in input order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface VectorPayload {
  user_id: string;
  window_end: number;
  summary_text: string;
  [k: string]: unknown;
}

export interface VectorPoint {
  /** A Qdrant-compatible UUID; use `pointId()` so a replay overwrites instead of duplicating. */
  id: string;
  vector: Float32Array | number[];
  payload: VectorPayload;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1], higher is closer. */
  score: number;
  payload: VectorPoint['payload'];
}

export interface VectorQuery {
  vector: Float32Array | number[];
  /** Only this user's points; all points when absent. */
  userId?: string;
  topK: number;
  minScore?: number;
}

export interface VectorSink {
  readonly name: string;
  /** Creates the collection if needed; fails if it exists with another dimension. */
  ensureCollection(dims: number): Promise<void>;
  /** Same id ⇒ the point is replaced (idempotent replays). */
  upsert(points: VectorPoint[]): Promise<void>;
  /** Nearest first. */
  search(q: VectorQuery): Promise<VectorHit[]>;
  count(userId?: string): Promise<number>;
  close(): Promise<void>;
}

export type MoodTrend = 'rising' | 'falling' | 'stable' | 'unknown';

/** The per-user context window (value of `aura360.context.aggregated`). */
export interface AggregatedContext {
  user_id: string;
  version: number;
  window: { start: number; end: number; events: number; max_events: number; span_ms: number };
  mood: { count: number; avg: number | null; latest: number | null; trend: MoodTrend; slope: number };
  activity: { count: number; total_minutes: number; minutes_by_kind: Record<string, number> };
  /** Each dimension scored 0..10. */
  ikigai: { love?: number; good_at?: number; world_needs?: number; paid_for?: number; updated_at?: number };
  /** Newest first, at most 5. */
  notes: string[];
  counts: { mood: number; activity: number; ikigai: number; total: number };
  last_event_id: string;
  summary_text: string;
  updated_at: number;
}

export interface AdviceInput {
  question: string;
  userId: string;
  /** The user's latest context window, null when nothing is known yet. */
  context: AggregatedContext | null;
  /** Similar past contexts of this user, nearest first. */
  history: VectorHit[];
  /** The language to answer in (the guardian always sets it; absent: DEFAULT_LANGUAGE of providers/advisors/language.ts). */
  language?: Language;
  /** Epoch ms after which the answer is useless. */
  deadline: number;
  signal: AbortSignal;
}

/** The Guardian's brain: streams an answer in pieces. */
export interface Advisor {
  readonly name: string;
  advise(input: AdviceInput): AsyncIterable<string>;
  close(): Promise<void>;
}
