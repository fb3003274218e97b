// Remembers signatures already accepted, until their time window ends, so a captured request
// cannot be sent again. Memory is bounded: an entry leaves when its window ends, or, once
// `capacity` entries are held, the oldest leaves first (only a flood of genuine requests fills it;
// a forger cannot add entries without a valid signature).

export class ReplayGuard {
  readonly #capacity: number;
  /** Signature → when it stops being valid (ms); insertion order is roughly expiry order. */
  readonly #expiries = new Map<string, number>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ReplayGuard: capacity must be an integer >= 1');
    this.#capacity = capacity;
  }

  /** Records `signature` as used until `expiresAt`; false when it was already used and is still valid. */
  claim(signature: string, expiresAt: number, now = Date.now()): boolean {
    this.#forgetExpired(now);
    const known = this.#expiries.get(signature);
    if (known !== undefined && known > now) return false;
    this.#expiries.delete(signature);
    if (this.#expiries.size >= this.#capacity) this.#expiries.delete(this.#expiries.keys().next().value as string);
    this.#expiries.set(signature, expiresAt);
    return true;
  }

  #forgetExpired(now: number): void {
    for (const [signature, expiresAt] of this.#expiries) {
      if (expiresAt > now) return;
      this.#expiries.delete(signature);
    }
  }
}
