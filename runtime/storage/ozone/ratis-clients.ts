/**
 * One Ratis client per pipeline, shared by every block written to it, as Ozone's
 * XceiverClientManager keeps one XceiverClientRatis per pipeline for all the key streams of a
 * client (apache/ozone ozone-2.2.0, hadoop-hdds/client/.../scm/XceiverClientManager.java: a cache
 * keyed by pipeline, entries closed once unused for scm.container.client.idle.threshold, 10 s).
 * A client per block cost two new HTTP/2 streams (ordered and watch) and a priming watch per PUT:
 * 15-20% of the gateway's CPU under 4 KiB PUTs (profiled for issue 8).
 *
 * Sharing keeps a write's failures its own where they are its own, and shares what belongs to the
 * pipeline, as Ozone's shared client does:
 * - a state machine refusal (a container closed, a block already finalized) answers that request
 *   only; the window goes on for the other writers (ratis-client.ts);
 * - a window that breaks (no answer within the deadline, the group gone) fails every writer on the
 *   pipeline, which is the pipeline's failure: each moves its bytes to another block (key-writer.ts).
 *   A broken client is handed out no more; the next block on that pipeline gets a fresh one.
 * - a client that found a datanode behind watches at MAJORITY_COMMITTED from then on; after the
 *   store's memory of lagging datanodes (`behindMemoryMs`) it is replaced, so that a datanode back
 *   up gets ALL_COMMITTED watches again, as a new client per block had it.
 * A writer that gives its block up (a failure elsewhere, the request aborted) releases its lease
 * and leaves its requests in flight to finish or fail in the shared window: a cancel would reset
 * the stream under its neighbours (Ozone's client does not cancel them either).
 */
import { RatisClient, type RatisClientOptions } from "./ratis-client.js";
import type { RatisChannels, RatisPeer } from "./ratis-group.js";

/** Ozone's scm.container.client.idle.threshold (XceiverClientManager's cache expiry) */
const IDLE_MS = 10_000;

export interface RatisClientsOptions {
  channels: RatisChannels;
  /** options of every client made (timeouts, retries, priming) */
  client: Omit<RatisClientOptions, "groupId" | "peers" | "leaderId" | "channels" | "behind">;
  /** datanodes known behind now (most likely down): a new client starts at MAJORITY_COMMITTED for them */
  behind(): string[];
  /** how long a client that knows a peer behind is handed out (the store's lagging memory) */
  behindMemoryMs: number;
  /** an unused client is closed after this long (default Ozone's 10 s) */
  idleMs?: number;
  now?: () => number;
}

/** A client lent to one block writer; release() once the block is done with it (any number of times). */
export interface RatisLease {
  readonly client: RatisClient;
  release(): void;
}

interface Entry {
  readonly groupId: string;
  readonly client: RatisClient;
  users: number;
  idle?: NodeJS.Timeout;
  /** handed out no more: closed when its last user releases it */
  retired: boolean;
}

export class RatisClients {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: RatisClientsOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Clients open now (in use or idle), retired ones still in use included. */
  get open(): number {
    return this.live.size;
  }
  private readonly live = new Set<Entry>();

  /** The pipeline's client, shared with the other writers on it (a new one when none fits). */
  acquire(group: { groupId: string; peers: RatisPeer[]; leaderId?: string }): RatisLease {
    if (this.closed) throw new Error("Ratis clients closed");
    let e = this.entries.get(group.groupId);
    if (e !== undefined && !this.handsOut(e)) {
      this.retire(e);
      e = undefined;
    }
    if (e === undefined) {
      const client = new RatisClient({ ...this.opts.client, ...group, channels: this.opts.channels, behind: this.opts.behind(), now: this.now });
      e = { groupId: group.groupId, client, users: 0, retired: false };
      this.entries.set(group.groupId, e);
      this.live.add(e);
    }
    if (e.idle !== undefined) clearTimeout(e.idle);
    e.idle = undefined;
    e.users++;
    const entry = e;
    let released = false;
    return {
      client: entry.client,
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  /** Closes every client: what is pending on them fails. */
  close(): void {
    this.closed = true;
    for (const e of [...this.live]) this.closeEntry(e);
  }

  private handsOut(e: Entry): boolean {
    const since = e.client.behindSince;
    return e.client.usable && (since === undefined || this.now() - since < this.opts.behindMemoryMs);
  }

  private retire(e: Entry): void {
    if (this.entries.get(e.groupId) === e) this.entries.delete(e.groupId);
    e.retired = true;
    if (e.users === 0) this.closeEntry(e);
  }

  private release(e: Entry): void {
    if (--e.users > 0) return;
    if (e.retired || !e.client.usable) {
      this.retire(e);
      return;
    }
    const t = setTimeout(() => {
      if (e.idle === t && e.users === 0) this.retire(e);
    }, this.opts.idleMs ?? IDLE_MS);
    t.unref();
    e.idle = t;
  }

  private closeEntry(e: Entry): void {
    if (e.idle !== undefined) clearTimeout(e.idle);
    e.idle = undefined;
    if (this.entries.get(e.groupId) === e) this.entries.delete(e.groupId);
    this.live.delete(e);
    e.client.close();
  }
}
