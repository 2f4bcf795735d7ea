// The benchmark's own event.
import type { ProcessRef, RecordOrigin } from './references.js';

/** Emitted only by bpf/bench.bpf.c, so benchmarks measure the real decode path. */
export interface BenchEvent {
  kind: 'ebpipe.bench';
  origin: RecordOrigin;
  process: ProcessRef;
  value: number;
}
