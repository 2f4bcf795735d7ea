// The agent's self-telemetry: monotonic counters with labels, cheap enough to bump per
// batch, read as a snapshot by the Prometheus endpoint, `ebpipe` status logs and tests.

export type Labels = Readonly<Record<string, string>>;

export interface CounterSample {
  name: string;
  labels: Labels;
  value: number;
}

export class Counter {
  value = 0;
  constructor(
    readonly name: string,
    readonly labels: Labels,
  ) {}

  add(n = 1): void {
    this.value += n;
  }

  /** Mirrors a total counted elsewhere (the kernel's drop counters). */
  set(total: number): void {
    this.value = total;
  }
}

function keyOf(name: string, labels: Labels): string {
  return `${name}{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}}`;
}

export class CounterRegistry {
  private readonly counters = new Map<string, Counter>();

  /** The counter for name+labels, created at zero on first use. Keep the result: lookups allocate. */
  counter(name: string, labels: Labels = {}): Counter {
    const key = keyOf(name, labels);
    let counter = this.counters.get(key);
    if (!counter) {
      counter = new Counter(name, labels);
      this.counters.set(key, counter);
    }
    return counter;
  }

  snapshot(): CounterSample[] {
    return [...this.counters.values()].map((c) => ({ name: c.name, labels: c.labels, value: c.value }));
  }

  /** Sum of every counter with this name whose labels include `match`. */
  total(name: string, match: Labels = {}): number {
    let sum = 0;
    for (const c of this.counters.values()) {
      if (c.name === name && Object.entries(match).every(([k, v]) => c.labels[k] === v)) sum += c.value;
    }
    return sum;
  }
}
