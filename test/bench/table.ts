// Plain-text tables for benchmark and soak reports.

export type Cell = string | number | null | undefined;

const format = (cell: Cell): string => {
  if (cell === null || cell === undefined) return '—';
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : cell.toFixed(cell < 10 ? 2 : 1);
  return cell;
};

export const renderTable = (headers: string[], rows: Cell[][]): string => {
  const text = rows.map((row) => row.map(format));
  const widths = headers.map((header, i) => Math.max(header.length, ...text.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...text.map(line)].join('\n');
};

export const mb = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;
