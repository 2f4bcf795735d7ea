// Splits a batch's HEC events into request bodies of at most max_content_length_logs bytes
// (before compression, so a compressed body is smaller still), one event per line, each
// written straight into its body's buffer. An event that alone is larger than the limit
// cannot be sent at all: it is counted, not sent.

export interface HecRequestBody {
  body: Buffer;
  /** Events in the body. */
  events: number;
}

export interface SplitEvents {
  requests: HecRequestBody[];
  /** Events larger than the limit by themselves, left out. */
  oversized: number;
}

/** A body starts this big (or at the limit, when smaller) and doubles as it fills. */
const INITIAL_BODY_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export function splitIntoRequests(events: readonly string[], maxBytes: number): SplitEvents {
  const requests: HecRequestBody[] = [];
  let oversized = 0;
  let body = Buffer.allocUnsafe(Math.min(INITIAL_BODY_BYTES, maxBytes));
  let used = 0;
  let count = 0;
  const flush = () => {
    if (count === 0) return;
    requests.push({ body: body.subarray(0, used), events: count });
    body = Buffer.allocUnsafe(Math.min(INITIAL_BODY_BYTES, maxBytes));
    used = 0;
    count = 0;
  };
  for (const event of events) {
    const size = Buffer.byteLength(event);
    if (size > maxBytes) {
      oversized++;
      continue;
    }
    if (count > 0 && used + 1 + size > maxBytes) flush();
    const needed = used + (count > 0 ? 1 : 0) + size;
    if (needed > body.length) {
      const grown = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(needed, body.length * 2)));
      body.copy(grown, 0, 0, used);
      body = grown;
    }
    if (count > 0) body[used++] = NEWLINE;
    used += body.write(event, used);
    count++;
  }
  flush();
  return { requests, oversized };
}
