// A bounded queue of batches between a pipeline and one exporter. When it is full, a
// producer either waits (`block`: backpressure travels upstream to the receiver) or the
// new batch is refused (`drop_newest`), which the caller counts.

export type FullPolicy = 'block' | 'drop_newest';

export class Channel<T> {
  private readonly items: T[] = [];
  private readonly waitingProducers: (() => void)[] = [];
  private readonly waitingConsumers: ((item: T | undefined) => void)[] = [];
  private closed = false;

  constructor(
    readonly capacity: number,
    readonly policy: FullPolicy,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Resolves true once queued, false when refused (full with drop_newest, or closed). */
  async push(item: T): Promise<boolean> {
    while (!this.closed && this.items.length >= this.capacity) {
      if (this.policy === 'drop_newest') return false;
      await new Promise<void>((resolve) => this.waitingProducers.push(resolve));
    }
    if (this.closed) return false;
    const consumer = this.waitingConsumers.shift();
    if (consumer) {
      consumer(item);
    } else {
      this.items.push(item);
    }
    return true;
  }

  /** The next item; undefined once closed and drained. */
  pull(): Promise<T | undefined> {
    const item = this.tryPull();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waitingConsumers.push(resolve));
  }

  /** The item tryPull would take, left in the queue. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** The next item if one is queued now, without waiting. */
  tryPull(): T | undefined {
    const item = this.items.shift();
    if (item !== undefined) this.waitingProducers.shift()?.();
    return item;
  }

  /** The next item, or undefined after `timeoutMs` (or once closed and drained). */
  pullWithin(timeoutMs: number): Promise<T | undefined> {
    const now = this.tryPull();
    if (now !== undefined || this.closed) return Promise.resolve(now);
    return new Promise((resolve) => {
      const consumer = (item: T | undefined) => {
        clearTimeout(timer);
        resolve(item);
      };
      const timer = setTimeout(() => {
        const i = this.waitingConsumers.indexOf(consumer);
        if (i >= 0) this.waitingConsumers.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waitingConsumers.push(consumer);
    });
  }

  /** No more pushes; pull() drains what is queued, then returns undefined. */
  close(): void {
    this.closed = true;
    for (const wake of this.waitingProducers.splice(0)) wake();
    if (this.items.length === 0) for (const consumer of this.waitingConsumers.splice(0)) consumer(undefined);
  }
}
