/** The `p`th percentile (nearest rank) of an ascending list, or null when it is empty. */
export const percentile = (sorted: ArrayLike<number>, p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
