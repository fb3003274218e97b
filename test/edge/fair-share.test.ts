// The isolate's dispatch budget, divided fairly: a queue under its share is never refused because
// other queues are busy; a busy queue borrows only what the others leave unused.

import { describe, expect, it } from 'vitest';
import { DEFAULT_REFUSAL_RETRY_MS, FairShareBudget } from '../../worker/dispatch/fair-share.ts';
import { DEFAULT_ISOLATE_DISPATCH_BUDGET, isolateBudgetSize } from '../../worker/dispatch/isolate-load.ts';
import { ApiError } from '../../worker/errors.ts';

describe('FairShareBudget', () => {
  it('lets a queue alone borrow the whole budget, and not one dispatch more', () => {
    const budget = new FairShareBudget(10);
    expect(budget.admit('a', 6)).toBe(6);
    expect(budget.admit('a', 6)).toBe(4);
    expect(budget.admit('a', 1)).toBe(0);
    expect(budget.held('a')).toBe(10);
    expect(budget.takeRefused('a')).toBe(3);
    expect(budget.takeRefused('a')).toBe(0);
  });

  it('admits a quiet queue up to its share while a borrower holds the whole budget', () => {
    const budget = new FairShareBudget(10);
    budget.admit('a', 10);
    // Two active queues: 5 each. b gets its 5 even though the budget is spent...
    expect(budget.admit('b', 6)).toBe(5);
    expect(budget.takeRefused('b')).toBe(1);
    expect(budget.total).toBe(15);
    // ...and the borrower gets nothing until the isolate is back under the budget.
    budget.leave('a', 3);
    expect(budget.admit('a', 1)).toBe(0);
    budget.leave('a', 3);
    expect(budget.total).toBe(9);
    expect(budget.admit('a', 6)).toBe(1);
  });

  it('gives each of many busy queues an equal share, at least one dispatch', () => {
    const budget = new FairShareBudget(256);
    // The first 25 borrow 10 each; later ones get their share of the queues active by then.
    for (let i = 0; i < 37; i++) expect(budget.admit(`slow-${i}`, 10)).toBe(i < 25 ? 10 : Math.floor(256 / (i + 1)));
    expect(budget.total).toBeLessThanOrEqual(2 * 256);
    // 38 active queues: 6 each. The fast queue's 5 all go; no slow queue gets more until it is under 6.
    expect(budget.shareOf('fast')).toBe(6);
    expect(budget.admit('fast', 5)).toBe(5);
    for (let i = 0; i < 37; i++) expect(budget.admit(`slow-${i}`, 1)).toBe(0);
    budget.leave('slow-0', 5);
    expect(budget.admit('slow-0', 6)).toBe(1);

    const tiny = new FairShareBudget(4);
    for (const queue of ['a', 'b', 'c', 'd', 'e']) expect(tiny.admit(queue, 2)).toBeGreaterThanOrEqual(1);
    expect(tiny.shareOf('f')).toBe(1);
  });

  it('forgets a queue once its dispatches have left, so its share goes back to the others', () => {
    const budget = new FairShareBudget(10);
    budget.admit('a', 5);
    budget.admit('b', 5);
    expect(budget.shareOf('a')).toBe(5);
    budget.leave('b', 5);
    expect(budget.held('b')).toBe(0);
    expect(budget.shareOf('a')).toBe(10);
    expect(budget.admit('a', 6)).toBe(5);
  });

  it("tells a refused queue to come back after about one of its calls, not sooner", () => {
    const budget = new FairShareBudget(2);
    expect(budget.retryAfterMs('slow')).toBe(DEFAULT_REFUSAL_RETRY_MS);
    budget.admit('slow', 2);
    budget.leave('slow', 1, 6_000);
    expect(budget.retryAfterMs('slow')).toBe(6_000);
    // A running average: one quick call moves it a fifth of the way.
    budget.leave('slow', 1, 1_000);
    expect(budget.retryAfterMs('slow')).toBe(5_000);
    // Bounded both ways; a dispatch that never reached the feature says nothing.
    budget.admit('fast', 2);
    budget.leave('fast', 1, 3);
    budget.leave('fast', 1);
    expect(budget.retryAfterMs('fast')).toBe(250);
    budget.admit('stuck', 1);
    budget.leave('stuck', 1, 600_000);
    expect(budget.retryAfterMs('stuck')).toBe(30_000);
  });
});

describe('ISOLATE_DISPATCH_BUDGET', () => {
  it('defaults to 256 and takes a positive integer', () => {
    expect(isolateBudgetSize({})).toBe(DEFAULT_ISOLATE_DISPATCH_BUDGET);
    expect(DEFAULT_ISOLATE_DISPATCH_BUDGET).toBe(256);
    expect(isolateBudgetSize({ ISOLATE_DISPATCH_BUDGET: ' 512 ' })).toBe(512);
  });

  it.each(['0', '-5', '2.5', 'lots', '1000000'])('refuses %s with a 503 naming the var', (value) => {
    let error: unknown;
    try {
      isolateBudgetSize({ ISOLATE_DISPATCH_BUDGET: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, code: 'not_configured', message: expect.stringContaining('ISOLATE_DISPATCH_BUDGET') });
  });
});
