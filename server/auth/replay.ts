/**
 * Remembers one-time values (DPoP proof ids) until they would have expired anyway, so a proof is
 * accepted once. Per process: a proof replayed to another server process of the same deployment
 * is caught there only by its short lifetime (proofMaxAgeSeconds).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private readonly limit: number;
  private lastPrune = 0;

  constructor(limit = 1_000_000) {
    this.limit = limit;
  }

  /** True the first time `key` is offered before `expiresAt` (epoch ms); false for a replay. */
  firstUse(key: string, expiresAt: number, now = Date.now()): boolean {
    if (now - this.lastPrune > 1_000 || this.seen.size >= this.limit) {
      this.prune(now);
    }
    const known = this.seen.get(key);
    if (known !== undefined && known > now) {
      return false;
    }
    this.seen.set(key, expiresAt);
    return true;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt <= now) {
        this.seen.delete(key);
      }
    }
    // Still full of live entries: refuse nothing, forget the oldest (a flood, not normal traffic).
    for (const key of this.seen.keys()) {
      if (this.seen.size < this.limit) {
        break;
      }
      this.seen.delete(key);
    }
  }
}
