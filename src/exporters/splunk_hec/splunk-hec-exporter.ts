// `splunk_hec`: events into Splunk's HTTP Event Collector as JSON events (hec-event.ts), a batch
// split into requests below max_content_length_logs, gzip-compressed. With acknowledgements on,
// a request counts as delivered only once HEC says its ackId was indexed (indexer-acks.ts); a
// 200 alone is not enough. Refusals are sorted by HEC's code (hec-response.ts): retried by the
// queue, dropped and counted with Splunk's text, or, for what no batch gets past (the token,
// the index, acknowledgement off for the token), the exporter stops with one error.
import { randomUUID } from 'node:crypto';
import { version } from '../../common/version.js';
import type { Event } from '../../events/model.js';
import {
  ExportError,
  type Exporter,
  type ExporterContext,
  type ExporterFactory,
  type PartialExport,
} from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';
import type { Logger } from '../../telemetry/logger.js';
import { HttpSender, retryAfterMs, type HttpResponse } from '../http/http-sender.js';
import { ocsfEventOf } from '../ocsf/ocsf-mapper.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { loadClientTls } from '../tls/tls-settings.js';
import { DEFAULT_SOURCETYPES, hecUrls, splunkHecSettings, type HecUrls, type SplunkHecSettings } from './config.js';
import { HecEventEncoder, recordEventBody } from './hec-event.js';
import { splitIntoRequests, type HecRequestBody } from './hec-requests.js';
import { describeRefusal, hecResponse, refusalReason, type HecRefused } from './hec-response.js';
import { IndexerAcks } from './indexer-acks.js';

const CONTENT_TYPE = 'application/json';
/** gzip's fastest level: HEC's JSON still shrinks about tenfold, for a fraction of the default level's CPU. */
const GZIP_LEVEL = 1;

/**
 * `unacknowledged`: HEC answered 200 but has not (yet) said it indexed the events.
 * `unanswered`: sent, but no answer came (reset, timed out): HEC may have taken it.
 * Sent again, either may be duplicated in Splunk, and is counted.
 */
type RequestState = 'unsent' | 'unacknowledged' | 'unanswered' | 'delivered' | 'rejected';
type ResendReason = Extract<RequestState, 'unacknowledged' | 'unanswered'>;

/** Failures before a byte of the request left: sending it again cannot duplicate anything. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface PlannedRequest extends HecRequestBody {
  state: RequestState;
}

/** A batch as requests, kept while the queue retries it so that only what HEC has not taken is sent again. */
interface Plan {
  requests: PlannedRequest[];
  rejected: number;
  /** The first reason events were refused for (PartialExport carries one). */
  reason: string | undefined;
}

function exportErrorOf(err: unknown): ExportError {
  return err instanceof ExportError
    ? err
    : new ExportError('EXPORT_FAILED', (err as Error).message, { permanent: false });
}

export class SplunkHecExporter implements Exporter {
  private readonly id: string;
  private readonly logger: Logger;
  private readonly urls: HecUrls;
  private readonly sender: HttpSender;
  private readonly records: EventRecordMapper;
  private readonly encoder: HecEventEncoder;
  private readonly acks: IndexerAcks | undefined;
  private readonly resent: Record<ResendReason, Counter>;
  private readonly plans = new WeakMap<readonly Event[], Plan>();
  /** Set once HEC refused something no batch can get past; every export fails with it from then on. */
  private stopped: ExportError | undefined;
  private ackQueriesFailing = false;
  private ackIdsUnused = false;

  constructor(
    private readonly settings: SplunkHecSettings,
    ctx: ExporterContext,
  ) {
    this.id = ctx.id;
    this.logger = ctx.logger;
    this.urls = hecUrls(settings);
    this.sender = new HttpSender({
      name: ctx.id,
      headers: {
        authorization: `Splunk ${settings.token}`,
        // Always on the channel: a token with acknowledgement on refuses requests without one.
        'x-splunk-request-channel': randomUUID(),
        'user-agent': `ebpipe/${version}`,
      },
      compression: settings.disable_compression ? 'none' : 'gzip',
      gzipLevel: GZIP_LEVEL,
      timeoutMs: settings.timeout,
      ...(this.urls.events.protocol === 'https:' && { tls: loadClientTls(settings.tls, ctx) }),
    });
    this.records = new EventRecordMapper(ctx.resource);
    this.encoder = new HecEventEncoder(
      ctx.resource,
      { ...settings, sourcetype: settings.sourcetype ?? DEFAULT_SOURCETYPES[settings.encoding] },
      settings.encoding === 'ocsf' ? ocsfEventOf : recordEventBody(ctx.resource),
    );
    this.acks = settings.acknowledgements.enabled
      ? new IndexerAcks((ids) => this.queryAcks(ids), settings.acknowledgements)
      : undefined;
    const resent = (reason: ResendReason) =>
      ctx.counters.counter('exporter_resent_events_total', { exporter: ctx.id, reason });
    this.resent = { unacknowledged: resent('unacknowledged'), unanswered: resent('unanswered') };
  }

  async start(): Promise<void> {
    if (!this.settings.health_check_enabled) return;
    const url = this.urls.health;
    let res: HttpResponse;
    try {
      res = await this.sender.get(url);
    } catch (err) {
      throw new ExportError('HEC_UNHEALTHY', `${this.id}: HEC health check failed: ${(err as Error).message}`, {
        permanent: true,
      });
    }
    if (res.status !== 200) {
      const answer = hecResponse(res, (b) => this.sender.excerpt(b));
      const said = answer.accepted ? `HTTP ${res.status}` : describeRefusal(answer);
      throw new ExportError('HEC_UNHEALTHY', `${this.id}: HEC health check at ${url.origin}${url.pathname}: ${said}`, {
        permanent: true,
      });
    }
  }

  async export(events: readonly Event[]): Promise<PartialExport | void> {
    if (this.stopped) throw this.stopped;
    let plan = this.plans.get(events);
    if (!plan) {
      plan = this.plan(events);
      this.plans.set(events, plan);
    }
    const failure = await this.sendAll(plan);
    const stopped = this.stoppedBy();
    if (stopped) {
      // What HEC took before it refused the rest stays delivered.
      this.plans.delete(events);
      const delivered = plan.requests.reduce((n, r) => n + (r.state === 'delivered' ? r.events : 0), 0);
      if (delivered === 0) throw stopped;
      return { rejected: events.length - delivered, reason: stopped.code.toLowerCase() };
    }
    if (failure) throw failure; // retryable: the queue calls again with the same events, the plan kept
    this.plans.delete(events);
    return plan.rejected > 0 ? { rejected: plan.rejected, reason: plan.reason ?? 'refused' } : undefined;
  }

  private plan(events: readonly Event[]): Plan {
    const texts = new Array<string>(events.length);
    for (let i = 0; i < events.length; i++) texts[i] = this.encoder.encode(this.records.toRecord(events[i]!));
    const { requests, oversized } = splitIntoRequests(texts, this.settings.max_content_length_logs);
    if (oversized > 0) {
      this.logger.warn(
        { exporter: this.id, events: oversized, max_content_length_logs: this.settings.max_content_length_logs },
        'dropping events larger than max_content_length_logs',
      );
    }
    return {
      requests: requests.map((r) => ({ ...r, state: 'unsent' })),
      rejected: oversized,
      reason: oversized > 0 ? 'event_too_large' : undefined,
    };
  }

  /**
   * Sends every request not yet taken, one after the other, while the acks of those sent are
   * awaited together; stops sending at the first failure. Resolves with that failure, if any.
   */
  private async sendAll(plan: Plan): Promise<ExportError | undefined> {
    let failure: ExportError | undefined;
    const acked: Promise<void>[] = [];
    for (const request of plan.requests) {
      if (request.state === 'delivered' || request.state === 'rejected') continue;
      if (this.stopped) break;
      let ackId: number | undefined;
      try {
        ackId = await this.send(plan, request);
      } catch (err) {
        failure = exportErrorOf(err);
        break;
      }
      if (ackId !== undefined) {
        acked.push(
          this.awaitAck(request, ackId).then(
            (lost) => void (failure ??= lost),
            (err: unknown) => void (failure ??= exportErrorOf(err)),
          ),
        );
      }
    }
    await Promise.all(acked);
    return failure;
  }

  /** POSTs one request; resolves with the ackId to await, or undefined when the request is settled. */
  private async send(plan: Plan, request: PlannedRequest): Promise<number | undefined> {
    const acks = this.acks;
    await acks?.slot();
    // Counted once the request has left: what HEC may hold already is now sent twice.
    const previously = request.state;
    const sent = () => {
      if (previously === 'unacknowledged' || previously === 'unanswered') this.resent[previously].add(request.events);
    };
    let res: HttpResponse;
    try {
      res = await this.sender.post(this.urls.events, request.body, CONTENT_TYPE);
    } catch (err) {
      acks?.release();
      if (!NOT_SENT.has((err as ExportError).code)) {
        sent();
        request.state = 'unanswered';
      }
      throw err;
    }
    sent();
    const answer = hecResponse(res, (b) => this.sender.excerpt(b));
    if (answer.accepted) {
      if (!acks) {
        request.state = 'delivered';
        if (answer.ackId !== undefined && !this.ackIdsUnused) {
          this.ackIdsUnused = true;
          this.logger.warn(
            { exporter: this.id },
            'HEC hands out ackIds (indexer acknowledgement is on for this token) that nobody asks about: ' +
              'set acknowledgements.enabled to count delivery on them',
          );
        }
        return undefined;
      }
      request.state = 'unacknowledged';
      if (answer.ackId !== undefined) return answer.ackId;
      acks.release();
      throw this.stop(
        'HEC answered without an ackId: indexer acknowledgement is off for this token ' +
          '(turn it on for the token, or acknowledgements.enabled off)',
        'HEC_NO_ACK_ID',
      );
    }
    acks?.release();
    if (answer.action === 'stop') throw this.stop(this.refusedText(answer), `HEC_CODE_${answer.code ?? answer.status}`);
    if (answer.action === 'retry') {
      const after = retryAfterMs(res.headers);
      throw new ExportError(
        answer.code === undefined ? `HTTP_${answer.status}` : `HEC_CODE_${answer.code}`,
        `${this.id}: POST ${this.urls.events.origin}${this.urls.events.pathname}: ${describeRefusal(answer)}`,
        after === undefined ? { permanent: false } : { permanent: false, retryAfterMs: after },
      );
    }
    request.state = 'rejected';
    plan.rejected += request.events;
    plan.reason ??= refusalReason(answer);
    this.logger.warn(
      { exporter: this.id, events: request.events, status: answer.status, code: answer.code, text: answer.text },
      'HEC refused events; dropping them',
    );
    return undefined;
  }

  /** Resolves with the error to retry with when the ack never came; the request's state says which. */
  private async awaitAck(request: PlannedRequest, ackId: number): Promise<ExportError | undefined> {
    const result = await this.acks!.wait(ackId);
    if (result === 'acknowledged') {
      request.state = 'delivered';
      return undefined;
    }
    const why =
      result === 'superseded'
        ? 'HEC handed its ackId out again (it lost the channel, a restart)'
        : `HEC did not acknowledge it within ${this.settings.acknowledgements.timeout} ms`;
    return new ExportError(
      'HEC_ACK_TIMEOUT',
      `${this.id}: a request of ${request.events} events is unacknowledged: ${why}; sending it again`,
      { permanent: false },
    );
  }

  private async queryAcks(ids: readonly number[]): Promise<Readonly<Record<string, boolean>>> {
    const url = this.urls.acks;
    try {
      const res = await this.sender.post(url, Buffer.from(JSON.stringify({ acks: ids })), CONTENT_TYPE, {
        compression: 'none',
      });
      const answer = hecResponse(res, (b) => this.sender.excerpt(b));
      if (!answer.accepted) {
        if (answer.action === 'stop')
          throw this.stop(this.refusedText(answer), `HEC_CODE_${answer.code ?? answer.status}`);
        throw new ExportError(
          'HEC_ACK_QUERY',
          `${this.id}: POST ${url.origin}${url.pathname}: ${describeRefusal(answer)}`,
          { permanent: false },
        );
      }
      const acks = (JSON.parse(res.body.toString('utf8')) as { acks?: unknown }).acks;
      if (typeof acks !== 'object' || acks === null)
        throw new ExportError('HEC_ACK_QUERY', `${this.id}: HEC's ack answer has no acks`, { permanent: false });
      if (this.ackQueriesFailing) this.logger.info({ exporter: this.id }, 'HEC answers ack queries again');
      this.ackQueriesFailing = false;
      return acks as Record<string, boolean>;
    } catch (err) {
      const e = exportErrorOf(err);
      if (!e.permanent && !this.ackQueriesFailing) {
        this.logger.warn(
          { exporter: this.id, err: e.message },
          'asking HEC about acknowledgements failed; asking again',
        );
      }
      this.ackQueriesFailing = !e.permanent;
      throw e;
    }
  }

  private refusedText(answer: HecRefused): string {
    return `HEC refused the request: ${describeRefusal(answer)}${answer.fix ? ` (${answer.fix})` : ''}`;
  }

  /** Read through a call: a stop can happen while an export awaits, which TypeScript's narrowing does not see. */
  private stoppedBy(): ExportError | undefined {
    return this.stopped;
  }

  /** Stops the exporter (once, with one error logged): every export from now on fails with this error. */
  private stop(reason: string, code: string): ExportError {
    if (!this.stopped) {
      this.stopped = new ExportError(code, `${this.id}: ${reason}; nothing more is sent until ebpipe restarts`, {
        permanent: true,
      });
      this.logger.error({ exporter: this.id, code }, this.stopped.message);
    }
    return this.stopped;
  }

  async shutdown(): Promise<void> {
    this.acks?.close();
    this.sender.close();
  }
}

export const splunkHecExporter: ExporterFactory<typeof splunkHecSettings> = {
  kind: 'exporter',
  type: 'splunk_hec',
  description: "sends events to Splunk's HTTP Event Collector, counted delivered on indexer acknowledgement",
  settings: splunkHecSettings,
  create: (s, ctx) => new SplunkHecExporter(s, ctx),
};
