// The most calls any sliding window holds, by the times the feature received them: how a rate
// limit is judged from the outside (the rate-limit test, the soak's report).

/** Start of a window and how many calls fall in [start, start + windowMs). */
export interface Window {
  start: number;
  calls: number;
}

/** Every window that begins at a call, in time order (two pointers: linear after the sort). */
export const windowsAtCalls = (times: readonly number[], windowMs: number): Window[] => {
  const sorted = [...times].sort((a, b) => a - b);
  const windows: Window[] = [];
  let end = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (end < sorted.length && sorted[end] < sorted[i] + windowMs) end++;
    windows.push({ start: sorted[i], calls: end - i });
  }
  return windows;
};

/** The most calls any window of `windowMs` holds (0 when there were none). */
export const busiestWindow = (times: readonly number[], windowMs: number): number =>
  windowsAtCalls(times, windowMs).reduce((most, window) => Math.max(most, window.calls), 0);
