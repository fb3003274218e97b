// A registration's `schedules` as BullMQ job schedulers on its queue. BullMQ keeps one pending job
// per scheduler in Redis and makes the next when a worker takes it, so every bridge may reconcile
// and each tick still runs once platform-wide. Only schedulers named `schedule:<id>` are ours; a
// producer's own schedulers on the same queue are left alone.

import type { JobSchedulerJson, Queue, RepeatOptions } from 'bullmq';
import type { Schedule, ScheduleStatus } from '../src/protocol.ts';

const SCHEDULER_PREFIX = 'schedule:';

const schedulerId = (schedule: Schedule): string => `${SCHEDULER_PREFIX}${schedule.id}`;

/** Without a zone, cron-parser would use the bridge host's own; the registration means UTC. */
const DEFAULT_TZ = 'UTC';

const repeatOptions = (schedule: Schedule): Omit<RepeatOptions, 'key'> =>
  schedule.cron === undefined ? { every: schedule.everyMs } : { pattern: schedule.cron, tz: schedule.tz ?? DEFAULT_TZ };

const ownSchedulers = async (queue: Queue): Promise<Map<string, JobSchedulerJson>> => {
  const all = await queue.getJobSchedulers(0, -1, true);
  return new Map(all.filter((s) => s.key.startsWith(SCHEDULER_PREFIX)).map((s) => [s.key, s]));
};

/** Whether the scheduler in Redis already runs `schedule` (upserting it again would move its next job). */
const isCurrent = (stored: JobSchedulerJson, schedule: Schedule): boolean =>
  stored.pattern === schedule.cron &&
  (stored.every === undefined ? undefined : Number(stored.every)) === schedule.everyMs &&
  (stored.tz || undefined) === (schedule.cron === undefined ? undefined : (schedule.tz ?? DEFAULT_TZ)) &&
  stored.name === (schedule.name ?? schedule.id) &&
  JSON.stringify(stored.template?.data ?? {}) === JSON.stringify(schedule.data);

/** Upserts changed or missing schedulers and removes ours that `schedules` no longer lists; answers what changed. */
export const reconcileSchedules = async (queue: Queue, schedules: readonly Schedule[]): Promise<{ upserted: string[]; removed: string[] }> => {
  const stored = await ownSchedulers(queue);
  const upserted: string[] = [];
  for (const schedule of schedules) {
    const id = schedulerId(schedule);
    const current = stored.get(id);
    stored.delete(id);
    if (current && isCurrent(current, schedule)) continue;
    await queue.upsertJobScheduler(id, repeatOptions(schedule), { name: schedule.name ?? schedule.id, data: schedule.data });
    upserted.push(schedule.id);
  }
  const removed = [...stored.keys()];
  await Promise.all(removed.map((id) => queue.removeJobScheduler(id)));
  return { upserted, removed: removed.map((id) => id.slice(SCHEDULER_PREFIX.length)) };
};

/** The registration's schedules with their next run as Redis holds it. */
export const scheduleStatuses = async (queue: Queue, schedules: readonly Schedule[]): Promise<ScheduleStatus[]> => {
  if (schedules.length === 0) return [];
  const stored = await ownSchedulers(queue);
  return schedules.map((schedule) => {
    const next = stored.get(schedulerId(schedule))?.next;
    return {
      id: schedule.id,
      ...(schedule.cron === undefined ? { everyMs: schedule.everyMs } : { cron: schedule.cron, ...(schedule.tz ? { tz: schedule.tz } : {}) }),
      nextRunAt: next === undefined ? null : new Date(Number(next)).toISOString(),
    };
  });
};
