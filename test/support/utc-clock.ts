// Wall-clock arithmetic for schedule tests, worked out independently of any cron parser.

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first instant after `now` whose UTC clock reads hh:mm. */
export const nextUtc = (now: number, hours: number, minutes: number): number => {
  const day = new Date(now);
  const candidate = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hours, minutes);
  return candidate > now ? candidate : candidate + DAY_MS;
};
