// The base of every ebpipe error: a code for programs (UPPER_SNAKE, stable: counters and the
// policy socket carry it), the stage it happened in, a message for people (lower-case, naming the
// thing and the cause) and the error that caused it. Subclasses take their arguments in that
// order, code first and message before what only they carry; one with a fixed code or stage
// leaves it out.

/** Where in a component's life an error happened, as in the per-stage error counters. */
export type ErrorStage = 'configuring' | 'opening' | 'receiving' | 'processing' | 'sending' | 'querying';

export abstract class EbpipeError extends Error {
  abstract override readonly name: string;

  constructor(
    readonly code: string,
    readonly stage: ErrorStage,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
