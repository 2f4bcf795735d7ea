// What a HEC response says: accepted (with its ackId when indexer acknowledgement is on), or
// refused in one of three ways, from HEC's own `code` where it gives one and from the HTTP
// status otherwise: worth sending again later (retry), never acceptable as it is (drop the
// events, counted, with Splunk's text), or refused for a reason no batch can get past (the
// token, the index, the channel): the exporter stops.
import type { HttpResponse } from '../http/http-sender.js';

export type RefusalAction = 'retry' | 'drop' | 'stop';

interface CodeMeaning {
  action: RefusalAction;
  /** For `stop`: what to fix. */
  fix?: string;
}

const TOKEN = 'check the token (and that it is enabled) on the HEC side';
const ACK = 'turn indexer acknowledgement on for the token, or acknowledgements.enabled off';

/** HEC's status codes, as Splunk documents them ("Troubleshoot HTTP Event Collector"). */
const HEC_CODES: Readonly<Record<number, CodeMeaning>> = {
  1: { action: 'stop', fix: TOKEN }, // token disabled (403)
  2: { action: 'stop', fix: TOKEN }, // token is required (401)
  3: { action: 'stop', fix: TOKEN }, // invalid authorization (401)
  4: { action: 'stop', fix: TOKEN }, // invalid token (403)
  5: { action: 'drop' }, // no data (400)
  6: { action: 'drop' }, // invalid data format (400)
  // incorrect index (400)
  7: { action: 'stop', fix: "set an index the token may write to (index), or leave it out for the token's default" },
  8: { action: 'retry' }, // internal server error (500)
  9: { action: 'retry' }, // server is busy (503)
  10: { action: 'stop', fix: ACK }, // data channel is missing (400)
  11: { action: 'stop', fix: ACK }, // invalid data channel (400)
  12: { action: 'drop' }, // event field is required (400)
  13: { action: 'drop' }, // event field cannot be blank (400)
  14: { action: 'stop', fix: ACK }, // ACK is disabled (400)
  15: { action: 'drop' }, // error in handling indexed fields (400)
  16: { action: 'stop', fix: TOKEN }, // query string authorization is not enabled (400)
  18: { action: 'retry' }, // HEC is unhealthy (503)
  19: { action: 'retry' }, // HEC is unhealthy (503)
  20: { action: 'retry' }, // HEC is unhealthy (503)
};

/** Without a code HEC knows: by the HTTP status. */
function byStatus(status: number): CodeMeaning {
  if (status === 401 || status === 403) return { action: 'stop', fix: TOKEN };
  if (status === 408 || status === 429 || status >= 500) return { action: 'retry' };
  return { action: 'drop' };
}

export interface HecAccepted {
  accepted: true;
  /** With indexer acknowledgement: what to ask /ack about. */
  ackId: number | undefined;
}

export interface HecRefused {
  accepted: false;
  action: RefusalAction;
  status: number;
  /** HEC's own code, when the body carried one. */
  code: number | undefined;
  /** HEC's text, or the body's first line; header values masked. */
  text: string;
  fix: string | undefined;
}

export type HecResponse = HecAccepted | HecRefused;

interface HecBody {
  text?: unknown;
  code?: unknown;
  ackId?: unknown;
}

function parseBody(body: Buffer): HecBody {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** `excerpt` prints a body that is not HEC's JSON, with the sender's secrets masked. */
export function hecResponse(res: HttpResponse, excerpt: (body: Buffer) => string): HecResponse {
  const body = parseBody(res.body);
  if (res.status >= 200 && res.status < 300) {
    return { accepted: true, ackId: typeof body.ackId === 'number' ? body.ackId : undefined };
  }
  const code = typeof body.code === 'number' ? body.code : undefined;
  const meaning = (code === undefined ? undefined : HEC_CODES[code]) ?? byStatus(res.status);
  const text = typeof body.text === 'string' ? excerpt(Buffer.from(body.text)) : excerpt(res.body);
  return { accepted: false, action: meaning.action, status: res.status, code, text, fix: meaning.fix };
}

/** `HTTP 403, code 4: Invalid token`. */
export function describeRefusal(r: HecRefused): string {
  return `HTTP ${r.status}${r.code === undefined ? '' : `, code ${r.code}`}${r.text ? `: ${r.text}` : ''}`;
}

/** A label for the drop counter: `hec_code_6`, or `http_404` without a code. */
export function refusalReason(r: HecRefused): string {
  return r.code === undefined ? `http_${r.status}` : `hec_code_${r.code}`;
}
