/**
 * One socket's view of a user's stream, with backpressure: it is written to
 * only while less than `maxBuffered` bytes are queued on it. Above that it
 * pauses — live messages wait in the store, where they are anyway — and a
 * pump resumes it from the store, by seq, once the socket drained. The replay
 * of a (re)connect is the same pump. So a client that reads slowly costs at
 * most its buffer plus one message, never a queue in memory.
 */

export interface StreamSocket {
  send(data: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network. */
  bufferedAmount(): number;
  /** Optional: hold writes until `uncork` (several messages, one write to the network). */
  cork?(): void;
  uncork?(): void;
}

/** What a subscription reads from the outbox. */
export interface StreamSource {
  /** Up to `limit` stored messages of `user` after seq `after`, in order. */
  page(user: string, after: number, limit: number): Array<{ seq: number; msg: string }>;
  lastSeqOf(user: string): number;
  markDelivered(user: string, seq: number): void;
}

/** Messages read from the store at a time when a stream is replayed or catches up. */
const PAGE = 64;
/** Bytes written between two checks of a socket's buffer while replaying. */
const CORK_BYTES = 16 * 1024;
/** How often a paused stream checks whether its socket drained. */
const RESUME_POLL_MS = 50;

export class Subscription {
  /** The socket's buffer was full: live messages wait in the store until the pump catches up. */
  paused = false;
  closed = false;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly user: string,
    readonly socket: StreamSocket,
    /** The last seq written to this socket. */
    public sent: number,
    private readonly source: StreamSource,
    private readonly maxBuffered: number,
  ) {}

  full(): boolean {
    return this.socket.bufferedAmount() >= this.maxBuffered;
  }

  /** Whether live message `seq` may be written now; if not because the socket is full or behind, the pump takes over. */
  accepts(seq: number): boolean {
    if (this.closed || this.paused || seq <= this.sent) return false;
    if (seq !== this.sent + 1 || this.full()) {
      this.pause();
      return false;
    }
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /**
   * Sends what this socket has not had yet, from the store, while it takes more. A gap (messages
   * trimmed or expired meanwhile) is announced with `stream.gap`.
   */
  pump(): void {
    this.timer = undefined;
    if (this.closed) return;
    const { user, socket } = this;
    try {
      for (;;) {
        if (this.full()) return this.pause();
        const rows = this.source.page(user, this.sent, PAGE);
        const firstKept = rows[0]?.seq ?? this.source.lastSeqOf(user) + 1;
        if (firstKept > this.sent + 1) {
          socket.send(JSON.stringify({ type: 'stream.gap', from: this.sent + 1, to: firstKept - 1 }));
          this.sent = firstKept - 1;
        }
        if (rows.length === 0) {
          this.paused = false;
          return;
        }
        // Corked chunks of about CORK_BYTES: few writes, and the buffer (corked bytes included) checked
        // before each message, so it never holds more than its limit plus one message.
        for (let i = 0; i < rows.length; ) {
          if (this.full()) return this.pause();
          socket.cork?.();
          try {
            for (let bytes = 0; i < rows.length && bytes < CORK_BYTES && (bytes === 0 || !this.full()); i++) {
              socket.send(rows[i]!.msg);
              bytes += rows[i]!.msg.length;
              this.sent = rows[i]!.seq;
            }
          } finally {
            socket.uncork?.();
            this.source.markDelivered(user, this.sent);
          }
        }
      }
    } catch (err) {
      // A socket that broke while being written to: its close handler detaches it.
      this.closed = true;
      socket.close(1011, `stream failed: ${(err as Error).message}`);
    }
  }

  /** The socket takes no more for now: the pump continues from the store once it drained. */
  private pause(): void {
    this.paused = true;
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => this.pump(), RESUME_POLL_MS);
      this.timer.unref();
    }
  }
}
