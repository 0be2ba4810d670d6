/**
 * What one Ratis client (ratis-client.ts) knows of its group's commit indexes: the index each peer
 * reported committed (XceiverClientRatis.commitInfoMap), and the peers a watch found behind, after
 * which the client watches at MAJORITY_COMMITTED (see RatisClient.watchForCommit).
 */
import type { CommitInfo, ReplicationLevel, WatchResult } from "./ratis-group.js";

export class CommitIndexes {
  /** commit index per peer, from the replies */
  private readonly byPeer = new Map<string, number>();
  /** peers a watch found behind (or that the client was told of) */
  private readonly behind = new Set<string>();
  /** when a peer was first known behind */
  private behindSinceMs: number | undefined;

  /**
   * `peerIds`: the group (its size makes the majority); `behind`: peers known behind from the start
   * (those of the group only); `onBehind` hears of peers a watch finds behind.
   */
  constructor(
    private readonly peerIds: readonly string[],
    private readonly now: () => number,
    behind: Iterable<string> = [],
    private readonly onBehind?: (peers: string[]) => void,
  ) {
    for (const p of behind) if (peerIds.includes(p)) this.behind.add(p);
    if (this.behind.size > 0) this.behindSinceMs = now();
  }

  /** Since when a peer is known behind; undefined: none. */
  get behindSince(): number | undefined {
    return this.behindSinceMs;
  }

  get anyBehind(): boolean {
    return this.behind.size > 0;
  }

  isBehind(peerId: string): boolean {
    return this.behind.has(peerId);
  }

  /** The lowest commit index the peers reported (0 before any report). */
  replicatedMin(): number {
    let min: number | undefined;
    for (const v of this.byPeer.values()) min = min === undefined ? v : Math.min(min, v);
    return min ?? 0;
  }

  /**
   * XceiverClientRatis.updateCommitInfosMap: the first report fills the map; later ones only
   * update peers still in it (a peer dropped after a failed ALL_COMMITTED watch stays out).
   * Returns the index committed at `level`: the lowest (ALL) or the majority-th highest.
   */
  update(infos: CommitInfo[], level: ReplicationLevel): number {
    const fresh = this.byPeer.size === 0;
    const seen: number[] = [];
    for (const i of infos) {
      if (fresh || this.byPeer.has(i.peerId)) {
        this.byPeer.set(i.peerId, i.commitIndex);
        seen.push(i.commitIndex);
      }
    }
    if (seen.length === 0) return 0;
    if (level === "ALL_COMMITTED") return Math.min(...seen);
    // the majority-th highest; 0 when fewer peers reported (as Ozone's stream skip/findFirst)
    const majority = Math.floor(this.peerIds.length / 2) + 1;
    return seen.sort((a, b) => b - a)[majority - 1] ?? 0;
  }

  /**
   * An ALL_COMMITTED watch for `index` failed: the peers whose reported index is below it are
   * behind (dropped from the map, reported), and the index counts as committed by the majority.
   */
  failedAllCommit(index: number, infos: CommitInfo[]): WatchResult {
    const failedPeers: string[] = [];
    for (const i of infos) {
      if (i.commitIndex < index) {
        failedPeers.push(i.peerId);
        this.byPeer.delete(i.peerId);
        this.behind.add(i.peerId);
        this.behindSinceMs ??= this.now();
      }
    }
    if (failedPeers.length > 0) this.onBehind?.(failedPeers);
    return { index, failedPeers };
  }
}
