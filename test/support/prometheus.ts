// Reading a Prometheus text exposition as a scraper would, with a real parser of the format.
// The parser folds a labelled histogram's series into one (its flattening ignores every label but
// `le`), so values are read from a second parse without the TYPE lines, where each series keeps
// its own labels; the first, typed parse is what proves the text valid.

import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface HistogramReading {
  count: number;
  sum: number;
  /** Observations ≤ `le` seconds (a bucket bound as exposed, e.g. "1", "+Inf"). */
  atMost(le: string): number;
}

const TYPE_LINE = /^# TYPE .*$/gm;

export class Exposition {
  /** Every family with its HELP and TYPE; the parse throws on any line not in the format. */
  readonly families: ParsedFamily[];
  readonly #series: Series[];

  constructor(text: string) {
    this.families = parsePrometheusTextFormat(text);
    this.#series = parsePrometheusTextFormat(text.replace(TYPE_LINE, '')).flatMap((family) =>
      family.metrics.map((sample) => ({ name: family.name, labels: sample.labels ?? {}, value: Number(sample.value) })),
    );
  }

  family(name: string): ParsedFamily {
    const family = this.families.find((f) => f.name === name);
    if (!family) throw new Error(`no metric family ${name}`);
    return family;
  }

  /** Every series' label names, per family name (`_bucket`, `_sum` and `_count` apart). */
  labelNames(): Map<string, Set<string>> {
    const names = new Map<string, Set<string>>();
    for (const { name, labels } of this.#series) {
      const set = names.get(name) ?? new Set<string>();
      for (const label of Object.keys(labels)) set.add(label);
      names.set(name, set);
    }
    return names;
  }

  /** The value of the one series of `name` whose labels include `labels`. */
  value(name: string, labels: Record<string, string>): number {
    const matches = this.#series.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
    if (matches.length !== 1) throw new Error(`${matches.length} series of ${name} match ${JSON.stringify(labels)}`);
    return matches[0].value;
  }

  histogram(name: string, labels: Record<string, string>): HistogramReading {
    return {
      count: this.value(`${name}_count`, labels),
      sum: this.value(`${name}_sum`, labels),
      atMost: (le) => this.value(`${name}_bucket`, { ...labels, le }),
    };
  }
}
