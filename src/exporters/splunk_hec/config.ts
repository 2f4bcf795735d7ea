// `splunk_hec` settings: the OpenTelemetry Collector's splunk_hec exporter's names and defaults
// (endpoint, token, source, sourcetype, index, disable_compression, max_content_length_logs,
// timeout, tls, health_check_enabled, health_path), plus `acknowledgements` for HEC's indexer
// acknowledgement, which the Collector's exporter does not have.
import { z } from 'zod';
import { byteSize, duration } from '../../common/units.js';
import { exporterHelperSettings, timeoutSetting } from '../../pipeline/exporter-settings.js';
import { tlsSettings } from '../tls/tls-settings.js';

/** Where HEC takes events when the endpoint names no path, as the Collector's exporter fills it in. */
const HEC_PATH = '/services/collector';

const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'expected an http:// or https:// URL');

const acknowledgements = z
  .object({
    /**
     * Count an event delivered only once Splunk says it was indexed (the token must have indexer
     * acknowledgement on); off, an HTTP 200 is delivery.
     */
    enabled: z.boolean().default(false),
    /** How often the outstanding ackIds are asked about (POST <endpoint>/ack). */
    query_interval: duration({ min: '10ms' }).default(1000),
    /** An ackId not true by then counts as lost: its events are sent again (and counted as possibly duplicated). */
    timeout: duration({ min: '1ms' }).default(300_000),
    /** ackIds awaited at once; a request beyond this waits to be sent (backpressure to the queue). */
    max_pending: z.number().int().positive().default(1000),
  })
  .strict();

export const HEC_ENCODINGS = ['record', 'ocsf'] as const;
export type HecEncoding = (typeof HEC_ENCODINGS)[number];

/** The sourcetype Splunk gets when the pipeline names none. */
export const DEFAULT_SOURCETYPES: Readonly<Record<HecEncoding, string>> = {
  record: 'ebpipe:event',
  ocsf: 'ebpipe:ocsf',
};

// With acknowledgements each export waits for its acks, so exports overlap: ten at once, the
// Collector's default for every exporter.
export const splunkHecSettings = exporterHelperSettings(undefined, { num_consumers: 10 })
  .extend({
    /** HEC's event endpoint, e.g. https://splunk:8088/services/collector; a URL without a path gets /services/collector. */
    endpoint: httpUrl,
    /** The HEC token, sent as `Authorization: Splunk <token>`. Write it as ${env:...}; it is never logged. */
    token: z.string().min(1),
    /** The events' `source`; left out (Splunk then uses the token's) when empty. */
    source: z.string().default(''),
    /** What `event` holds: `record`, ebpipe's JSON record (OTLP JSON field names), or `ocsf`, the event's OCSF class (src/exporters/ocsf/MAPPING.md). */
    encoding: z.enum(HEC_ENCODINGS).default('record'),
    /** The events' `sourcetype`: how Splunk parses them; by default `ebpipe:event` for records and `ebpipe:ocsf` for OCSF events. */
    sourcetype: z.string().optional(),
    /** The index to write to; left out (the token's default index) when empty. */
    index: z.string().default(''),
    /** Send bodies as they are instead of gzip-compressed. */
    disable_compression: z.boolean().default(false),
    /** Largest request body, before compression: a batch is split into requests below it. */
    max_content_length_logs: byteSize({ min: '1KiB', max: '800MiB' }).default(2 * 2 ** 20),
    /** How long one HTTP request may take before it counts as failed (and is retried). */
    timeout: timeoutSetting(10_000),
    tls: tlsSettings.prefault({}),
    /** Ask HEC's health endpoint at start-up, and refuse to start when it is not healthy. */
    health_check_enabled: z.boolean().default(false),
    /** HEC's health endpoint, a path on the endpoint's host. */
    health_path: z.string().startsWith('/').default('/services/collector/health'),
    acknowledgements: acknowledgements.prefault({}),
  })
  .strict();

export type SplunkHecSettings = z.output<typeof splunkHecSettings>;
export type AcknowledgementSettings = SplunkHecSettings['acknowledgements'];

/** The URLs the exporter talks to, from the settings. */
export interface HecUrls {
  events: URL;
  acks: URL;
  health: URL;
}

export function hecUrls(s: SplunkHecSettings): HecUrls {
  const events = new URL(s.endpoint);
  if (events.pathname === '' || events.pathname === '/') events.pathname = HEC_PATH;
  // /services/collector and /services/collector/event share /services/collector/ack.
  const acks = new URL(events);
  acks.pathname = `${events.pathname.replace(/\/$/, '').replace(/\/event$/, '')}/ack`;
  const health = new URL(events);
  health.pathname = s.health_path;
  health.search = '';
  return { events, acks, health };
}
