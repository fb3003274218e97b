// The optional flow-control fields of a registration (ARCHITECTURE "Flow control and lifecycle"):
// `schedules` and `alerts`, checked field by field and merged. Self-contained so registration.ts
// only calls `checkFlowFields` / `mergeFlowFields`. Runs in workerd as in Node: cron-parser (the
// parser BullMQ itself uses, so the edge accepts exactly what the bridge's schedulers will run)
// and Intl for time zones.

import { CronExpressionParser } from 'cron-parser';
import { checkEndpoint, checkEndpointShape, type EndpointPolicyOptions } from './endpoint-policy.ts';
import { serialiseJobData } from './jobs/job-data.ts';
import { MAX_JOB_NAME_LENGTH } from './jobs/limits.ts';
import { isPlainObject } from './json.ts';
import { ALERT_EVENTS, LIMITS, type AlertEvent, type AlertSettings, type FieldError, type JsonValue, type Schedule } from './protocol.ts';

/** A schedule id: part of BullMQ job ids (`repeat:schedule:<id>:<millis>`), so no ':' or spaces. */
export const SCHEDULE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_SCHEDULES = 20;
export const MIN_EVERY_MS = 1_000;
export const MAX_EVERY_MS = 366 * 24 * 60 * 60 * 1000;
export const MAX_BACKLOG_OVER = 100_000_000;
const SCHEDULE_FIELDS = new Set(['id', 'cron', 'tz', 'everyMs', 'data', 'name']);
const ALERT_FIELDS = new Set(['url', 'on', 'backlogOver']);
const MAX_CRON_LENGTH = 256;

export interface FlowFieldsInput {
  schedules?: Schedule[];
  /** `null` removes the queue's alerts. */
  alerts?: AlertSettings | null;
}

export interface FlowFieldsSpec {
  schedules?: Schedule[];
  alerts?: AlertSettings;
}

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Why `cron` (5 fields, or 6 with seconds first) cannot run in `tz`, or undefined when it can. */
export const cronProblem = (cron: string, tz?: string): string | undefined => {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return `must have 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields.length}`;
  try {
    // next() too: an expression can parse and still never fire.
    CronExpressionParser.parse(cron, { tz, currentDate: new Date() }).next();
    return undefined;
  } catch (error) {
    return `is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
};

const checkSchedule = (value: unknown, field: string, fail: (field: string, message: string) => void): Schedule | undefined => {
  if (!isPlainObject(value)) return void fail(field, 'must be an object');
  const errors: FieldError[] = [];
  const failHere = (f: string, message: string) => errors.push({ field: f, message });
  for (const key of Object.keys(value)) if (!SCHEDULE_FIELDS.has(key)) failHere(`${field}.${key}`, 'is not a known field');
  const { id, cron, tz, everyMs, data, name } = value;
  if (typeof id !== 'string' || !SCHEDULE_ID_PATTERN.test(id)) failHere(`${field}.id`, `must match ${SCHEDULE_ID_PATTERN.source}`);
  if ((cron === undefined) === (everyMs === undefined)) failHere(field, 'must have exactly one of cron and everyMs');
  if (tz !== undefined && (typeof tz !== 'string' || !isTimeZone(tz))) failHere(`${field}.tz`, 'must be an IANA time zone such as Europe/Berlin');
  else if (tz !== undefined && cron === undefined) failHere(`${field}.tz`, 'applies to cron schedules only');
  if (cron !== undefined) {
    if (typeof cron !== 'string' || cron.length > MAX_CRON_LENGTH) failHere(`${field}.cron`, `must be a string of at most ${MAX_CRON_LENGTH} characters`);
    else if (!/^[^@]/.test(cron.trim())) failHere(`${field}.cron`, 'must spell out its fields (no @-macros)');
    else {
      const problem = cronProblem(cron, typeof tz === 'string' && isTimeZone(tz) ? tz : undefined);
      if (problem) failHere(`${field}.cron`, problem);
    }
  }
  if (everyMs !== undefined && (typeof everyMs !== 'number' || !Number.isInteger(everyMs) || everyMs < MIN_EVERY_MS || everyMs > MAX_EVERY_MS)) {
    failHere(`${field}.everyMs`, `must be an integer between ${MIN_EVERY_MS} and ${MAX_EVERY_MS}`);
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_JOB_NAME_LENGTH)) {
    failHere(`${field}.name`, `must be a string of 1-${MAX_JOB_NAME_LENGTH} characters`);
  }
  const serialised = serialiseJobData(data ?? {});
  if (!serialised.ok) failHere(`${field}.data`, serialised.message);
  for (const error of errors) fail(error.field, error.message);
  if (errors.length > 0) return undefined;
  return {
    id: id as string,
    ...(cron === undefined ? { everyMs: everyMs as number } : { cron: (cron as string).trim(), ...(tz === undefined ? {} : { tz: tz as string }) }),
    // Parsed from JSON by the caller, and just serialised above.
    data: (data ?? {}) as JsonValue,
    ...(name === undefined ? {} : { name: name as string }),
  };
};

const checkSchedules = (value: unknown, fail: (field: string, message: string) => void): Schedule[] | undefined => {
  if (!Array.isArray(value)) return void fail('schedules', 'must be an array');
  if (value.length > MAX_SCHEDULES) return void fail('schedules', `must hold at most ${MAX_SCHEDULES} schedules`);
  const schedules = value.map((item, index) => checkSchedule(item, `schedules[${index}]`, fail));
  const seen = new Set<string>();
  schedules.forEach((schedule, index) => {
    if (schedule && seen.has(schedule.id)) fail(`schedules[${index}].id`, `repeats the id '${schedule.id}'`);
    if (schedule) seen.add(schedule.id);
  });
  return schedules.every((s) => s !== undefined) ? (schedules as Schedule[]) : undefined;
};

const checkAlerts = (value: unknown, endpoints: EndpointPolicyOptions | null, fail: (field: string, message: string) => void): AlertSettings | null | undefined => {
  if (value === null) return null;
  if (!isPlainObject(value)) return void fail('alerts', 'must be an object, or null to remove the alerts');
  const errors: FieldError[] = [];
  const failHere = (field: string, message: string) => errors.push({ field, message });
  for (const key of Object.keys(value)) if (!ALERT_FIELDS.has(key)) failHere(`alerts.${key}`, 'is not a known field');
  const { url, on, backlogOver } = value;
  if (typeof url !== 'string' || url.length === 0 || url.length > LIMITS.endpointLength) failHere('alerts.url', `must be an http(s) URL of at most ${LIMITS.endpointLength} characters`);
  else {
    const verdict = endpoints ? checkEndpoint(url, endpoints) : checkEndpointShape(url);
    if (!verdict.ok) failHere('alerts.url', verdict.message);
  }
  const events = Array.isArray(on) ? on : [];
  if (!Array.isArray(on) || on.length === 0 || !on.every((e) => ALERT_EVENTS.includes(e as AlertEvent)) || new Set(on).size !== on.length) {
    failHere('alerts.on', `must be a non-empty list of distinct events from ${ALERT_EVENTS.join(', ')}`);
  }
  if (backlogOver !== undefined && (typeof backlogOver !== 'number' || !Number.isInteger(backlogOver) || backlogOver < 1 || backlogOver > MAX_BACKLOG_OVER)) {
    failHere('alerts.backlogOver', `must be an integer between 1 and ${MAX_BACKLOG_OVER}`);
  } else if (backlogOver === undefined && events.includes('queue.backlog')) {
    failHere('alerts.backlogOver', 'is required when alerts.on has queue.backlog');
  }
  for (const error of errors) fail(error.field, error.message);
  if (errors.length > 0) return undefined;
  return { url: url as string, on: on as AlertEvent[], ...(backlogOver === undefined ? {} : { backlogOver: backlogOver as number }) };
};

/** Checks `schedules` and `alerts` of an admin body; answers the checked fields and one error per bad field. */
export const checkFlowFields = (
  input: Record<string, unknown>,
  endpoints: EndpointPolicyOptions | null,
): { value: FlowFieldsInput; errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => void errors.push({ field, message });
  const value: FlowFieldsInput = {};
  if (input.schedules !== undefined) {
    const schedules = checkSchedules(input.schedules, fail);
    if (schedules) value.schedules = schedules;
  }
  if (input.alerts !== undefined) {
    const alerts = checkAlerts(input.alerts, endpoints, fail);
    if (alerts !== undefined) value.alerts = alerts;
  }
  return { value, errors };
};

/** A given list replaces the schedules (an empty one removes them all); `alerts: null` removes the alerts. */
export const mergeFlowFields = (input: FlowFieldsInput, base: FlowFieldsSpec): FlowFieldsSpec => {
  const schedules = input.schedules ?? base.schedules;
  const alerts = input.alerts === undefined ? base.alerts : input.alerts;
  return { ...(schedules && schedules.length > 0 ? { schedules } : {}), ...(alerts ? { alerts } : {}) };
};
