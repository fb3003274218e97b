// What the CLI prints on stdout: aligned tables and field lists for people, JSON for scripts.
// Cells come from the tiers (job names, error messages), so control characters are blanked: an
// error text cannot break a row or send escape sequences to the terminal.

const MAX_CELL_CHARS = 80;
const EMPTY_CELL = '-';

export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
}

const write = (text: string): void => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};

export const cell = (value: unknown): string => {
  if (value === undefined || value === null || value === '') return EMPTY_CELL;
  const text = (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
};

export const printJson = (value: unknown): void => write(JSON.stringify(value, null, 2));

export const printLine = (text: string): void => write(text);

export const printTable = <Row>(columns: Column<Row>[], rows: Row[]): void => {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)));
  const format = (line: string[]) => line.map((text, i) => text.padEnd(widths[i])).join('  ').trimEnd();
  write([format(columns.map((column) => column.header)), ...cells.map(format)].join('\n'));
};

/** `field  value` lines; nested objects as dotted paths. */
export const printFields = (object: Record<string, unknown>): void => {
  const entries = flatten(object);
  const width = Math.max(0, ...entries.map(([field]) => field.length));
  write(entries.map(([field, value]) => `${field.padEnd(width)}  ${cell(value)}`).join('\n'));
};

/** Leaf values by dotted path; arrays stay whole. */
export const flatten = (object: Record<string, unknown>, prefix = ''): [string, unknown][] =>
  Object.entries(object).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? flatten(value as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, value] as [string, unknown]],
  );
