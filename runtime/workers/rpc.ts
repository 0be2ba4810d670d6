/**
 * Calls between the gateway's primary process and its workers, over the IPC channel that Node's
 * cluster module opens for each worker (with `serialization: "advanced"`: V8's structured clone, so
 * Buffers, Dates and nested objects cross as they are).
 *
 * A call is `{ s3gw: "call", id, method, args }`, answered by `{ s3gw: "reply", id, value }` or
 * `{ s3gw: "reply", id, error }`; a note (`{ s3gw: "note", method, args }`) is not answered. What
 * one side posts within one turn of the event loop goes as one `{ s3gw: "batch", messages }`.
 * Other messages on the channel (the cluster module's own) are left alone.
 *
 * Errors cross as data: a StorageError keeps its kind, messages and part (the S3 error it maps to
 * is decided in the worker, runtime/storage/errors.ts); any other error becomes a plain Error with
 * its message (an internal error for the client, logged where it happened).
 *
 * When the channel closes, every call still waiting is rejected (a worker then exits: its store is
 * gone; the primary forgets a worker's calls when it exits).
 */
import { StorageError, type StorageErrorKind } from "../storage/types.js";

/** The two ends: `process` in a worker, a cluster Worker in the primary. */
export interface Endpoint {
  send(message: unknown, sendHandle: undefined, options: undefined, callback: (err: Error | null) => void): boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "disconnect", listener: () => void): unknown;
}

type Handler = (...args: any[]) => unknown;

interface CallMessage {
  s3gw: "call";
  id: number;
  method: string;
  args: unknown[];
}

interface NoteMessage {
  s3gw: "note";
  method: string;
  args: unknown[];
}

interface ReplyMessage {
  s3gw: "reply";
  id: number;
  value?: unknown;
  error?: EncodedError;
}

export interface EncodedError {
  message: string;
  kind?: StorageErrorKind;
  clientMessage?: string;
  part?: { partNumber: number; etag: string };
  detail?: { versionId: string; deleteMarker?: boolean; lastModified?: number };
}

export function encodeError(err: unknown): EncodedError {
  if (err instanceof StorageError) {
    return {
      message: err.message,
      kind: err.kind,
      ...(err.clientMessage !== undefined && { clientMessage: err.clientMessage }),
      ...(err.part !== undefined && { part: err.part }),
      ...(err.detail !== undefined && { detail: err.detail }),
    };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

export function decodeError(e: EncodedError): Error {
  if (e.kind !== undefined) return new StorageError(e.kind, e.message, e.clientMessage, e.part, e.detail);
  return new Error(e.message);
}

type Message = CallMessage | NoteMessage | ReplyMessage;

interface BatchMessage {
  s3gw: "batch";
  messages: Message[];
}

function isMessage(m: unknown): m is Message | BatchMessage {
  return typeof m === "object" && m !== null && typeof (m as { s3gw?: unknown }).s3gw === "string";
}

export class RpcPeer {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private closedError: Error | undefined;

  /**
   * `handlers`: what the other end may call or note here. A call of an unknown method is answered
   * with an error; a handler's exception or rejection becomes the caller's rejection.
   */
  constructor(
    private readonly endpoint: Endpoint,
    private readonly handlers: Record<string, Handler>,
    /** what a call waiting when the channel closes fails with */
    gone: string,
  ) {
    endpoint.on("message", (m) => {
      if (!isMessage(m)) return;
      if (m.s3gw !== "batch") return this.receive(m);
      for (const one of m.messages) this.receive(one);
    });
    // UNAVAILABLE: a client whose request waited for the other end gets 503, which it may retry
    endpoint.on("disconnect", () => this.close(new StorageError("UNAVAILABLE", gone)));
  }

  /** Calls `method` on the other end; rejects with its error, or when the channel closes. */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ s3gw: "call", id, method, args } satisfies CallMessage);
    });
  }

  /** Sends a one-way note; dropped once the channel is closed. */
  note(method: string, ...args: unknown[]): void {
    if (this.closedError !== undefined) return;
    this.post({ s3gw: "note", method, args } satisfies NoteMessage);
  }

  /** Rejects every waiting call with `err` and refuses new ones. */
  close(err: Error): void {
    this.closedError ??= err;
    for (const w of this.waiting.values()) w.reject(this.closedError);
    this.waiting.clear();
  }

  /**
   * Messages go out in batches: everything posted until the event loop's next check phase travels
   * as one IPC message. Each IPC message costs a serialization, a write(2) and a parse on each
   * side; under load (a group commit settling 30 writes in one tick) a batch carries dozens.
   */
  private post(message: Message): void {
    this.outbox.push(message);
    if (this.outbox.length === 1) setImmediate(this.flush);
  }

  /**
   * Sends what is posted now, without waiting for the check phase: a note that must reach the
   * other end before something this process does next (the primary's own answer to a client,
   * primary.ts bucketChanged).
   */
  flushNow(): void {
    if (this.outbox.length > 0) this.flush();
  }

  private readonly outbox: Message[] = [];
  private readonly flush = (): void => {
    // (flushNow may have sent everything before this turn's scheduled flush)
    if (this.outbox.length === 0) return;
    const batch = this.outbox.length === 1 ? this.outbox[0] : { s3gw: "batch" as const, messages: [...this.outbox] };
    this.outbox.length = 0;
    // With a callback, a send on a closed channel (the other end just died) reports to it instead
    // of emitting 'error' on the process object, which nothing listens to: that would crash.
    try {
      this.endpoint.send(batch, undefined, undefined, this.sent);
    } catch (err) {
      this.sent(err instanceof Error ? err : new Error(String(err)));
    }
  };
  private readonly sent = (err: Error | null): void => {
    // the channel closed under us (ERR_IPC_CHANNEL_CLOSED): 'disconnect' follows, or came already
    if (err) this.close(new StorageError("UNAVAILABLE", err.message));
  };

  private receive(m: Message): void {
    if (m.s3gw === "reply") {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(decodeError(m.error));
      else w.resolve(m.value);
      return;
    }
    const handler = Object.hasOwn(this.handlers, m.method) ? this.handlers[m.method] : undefined;
    if (m.s3gw === "note") {
      if (handler !== undefined) {
        try {
          const r = handler(...m.args);
          if (r instanceof Promise) r.catch(() => undefined);
        } catch {
          // a note has no one to answer; its handler logs what matters
        }
      }
      return;
    }
    const { id } = m;
    if (handler === undefined) {
      this.post({ s3gw: "reply", id, error: { message: `no such call: ${m.method}` } });
      return;
    }
    let result: unknown;
    try {
      result = handler(...m.args);
    } catch (err) {
      this.post({ s3gw: "reply", id, error: encodeError(err) });
      return;
    }
    Promise.resolve(result).then(
      (value) => this.post({ s3gw: "reply", id, value }),
      (err: unknown) => this.post({ s3gw: "reply", id, error: encodeError(err) }),
    );
  }
}
