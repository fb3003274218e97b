// Structured logs: one JSON object per line in production (for log collectors), one readable line
// otherwise. Callers pass fields, never secrets.

import { truncateUtf8 } from '../src/text.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
/** Each field is kept to this many bytes, so a feature's megabyte of error text cannot become a megabyte log line. */
export const MAX_LOG_FIELD_BYTES = 2048;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write?: (line: string) => void;
}

const bounded = (text: string): string => truncateUtf8(text, MAX_LOG_FIELD_BYTES);

/**
 * Errors become `{ name, message, cause }` so JSON keeps them and stacks stay out of the way; text
 * is bounded, and so is any other value once serialised (it then shows as its cut JSON text).
 */
const toLoggable = (value: unknown): unknown => {
  if (typeof value === 'string') return bounded(value);
  if (value instanceof Error) {
    return { name: value.name, message: bounded(value.message), ...(value.cause === undefined ? {} : { cause: toLoggable(value.cause) }) };
  }
  if (typeof value !== 'object' || value === null) return value;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return String(value);
  }
  if (json === undefined) return value;
  const shown = bounded(json);
  return shown === json ? value : shown;
};

const formatPretty = (time: string, level: string, message: string, fields: LogFields): string => {
  const parts = Object.entries(fields).map(([key, value]) => {
    const shown = toLoggable(value);
    return `${key}=${typeof shown === 'string' ? shown : JSON.stringify(shown)}`;
  });
  return [time.slice(11, 23), level.toUpperCase().padEnd(5), bounded(message), ...parts].join(' ');
};

export const createLogger = ({ level, format, write = (line) => process.stdout.write(`${line}\n`) }: LoggerOptions, bound: LogFields = {}): Logger => {
  const log = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}) => {
    if (SEVERITY[lineLevel] < SEVERITY[level]) return;
    const time = new Date().toISOString();
    const all = { ...bound, ...fields };
    if (format === 'pretty') return write(formatPretty(time, lineLevel, message, all));
    write(JSON.stringify({ time, level: lineLevel, msg: bounded(message), ...Object.fromEntries(Object.entries(all).map(([k, v]) => [k, toLoggable(v)])) }));
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger({ level, format, write }, { ...bound, ...fields }),
  };
};
