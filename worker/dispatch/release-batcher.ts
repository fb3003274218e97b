// Slots of a batch that finish in the same turn go back to the coordinator in one round trip.

import type { Release } from '../coordinator/types.ts';

interface Pending {
  release: Release;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class ReleaseBatcher {
  readonly #releaseMany: (releases: Release[]) => Promise<void>;
  #pending: Pending[] = [];

  constructor(releaseMany: (releases: Release[]) => Promise<void>) {
    this.#releaseMany = releaseMany;
  }

  release = (release: Release): Promise<void> =>
    new Promise((resolve, reject) => {
      if (this.#pending.length === 0) setTimeout(() => void this.#flush(), 0);
      this.#pending.push({ release, resolve, reject });
    });

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      await this.#releaseMany(batch.map((p) => p.release));
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
