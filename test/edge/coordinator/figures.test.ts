// A queue's figures as a plain class: what the status shows, and what the coordinator writes.

import { describe, expect, it } from 'vitest';
import { Figures } from '../../../worker/coordinator/figures.ts';

describe('Figures', () => {
  it('counts outcomes, keeps the latency of calls that ran and the last error, and says when there is something to write', () => {
    const figures = new Figures();
    expect(figures.dirty).toBe(false);
    figures.record({ kind: 'completed', durationMs: 10, jobId: 'a' });
    figures.record({ kind: 'completed', durationMs: 20, jobId: 'a2' });
    figures.record({ kind: 'failed_retryable', durationMs: 30, jobId: 'b', error: { message: 'boom', status: 500 } });
    figures.record({ kind: 'throttled', durationMs: 0, jobId: 'c' });
    figures.count('throttledBudget', 2);
    const view = figures.view();
    expect(view.totals).toMatchObject({ completed: 2, failedRetryable: 1, throttled: 1, throttledBudget: 2 });
    expect(view.latencyMs.p50).toBe(20);
    expect(view.lastError).toMatchObject({ message: 'boom', status: 500, jobId: 'b' });
    expect(figures.dirty).toBe(true);
    const persisted = figures.persisted();
    expect(figures.dirty).toBe(false);
    figures.count('throttled', 0);
    expect(figures.dirty).toBe(false);

    const restored = new Figures(persisted);
    expect(restored.view().totals).toEqual(view.totals);
    expect(restored.view().lastError).toEqual(view.lastError);
    expect(restored.typicalCallMs()).toBeNull();
  });
});
