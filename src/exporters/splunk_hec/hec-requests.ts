// Splits a batch's HEC events into request bodies of at most max_content_length_logs bytes
// (before compression, so a compressed body is smaller still), one event per line. An event
// that alone is larger than the limit cannot be sent at all: it is counted, not sent.

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

export function splitIntoRequests(events: readonly string[], maxBytes: number): SplitEvents {
  const requests: HecRequestBody[] = [];
  let oversized = 0;
  let parts: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (parts.length === 0) return;
    requests.push({ body: Buffer.from(parts.join('\n')), events: parts.length });
    parts = [];
    bytes = 0;
  };
  for (const event of events) {
    const size = Buffer.byteLength(event);
    if (size > maxBytes) {
      oversized++;
      continue;
    }
    // The newline before every event but a body's first.
    if (parts.length > 0 && bytes + 1 + size > maxBytes) flush();
    bytes += (parts.length > 0 ? 1 : 0) + size;
    parts.push(event);
  }
  flush();
  return { requests, oversized };
}
