// The agent's counters in the Prometheus text format, served on /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CounterRegistry, CounterSample } from './counters.js';

const PREFIX = 'ebpipe_';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function prometheusText(samples: readonly CounterSample[]): string {
  const byName = new Map<string, CounterSample[]>();
  for (const s of samples) {
    const list = byName.get(s.name);
    if (list) list.push(s);
    else byName.set(s.name, [s]);
  }
  let out = '';
  for (const [name, list] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    out += `# TYPE ${PREFIX}${name} counter\n`;
    for (const s of list) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      out += `${PREFIX}${name}${labels.length ? `{${labels.join(',')}}` : ''} ${s.value}\n`;
    }
  }
  return out;
}

export class MetricsEndpoint {
  private constructor(private readonly server: Server) {}

  /** Listens on "host:port" (port 0 picks a free one). */
  static async listen(address: string, counters: CounterRegistry): Promise<MetricsEndpoint> {
    const at = address.lastIndexOf(':');
    const host = address.slice(0, at) || '127.0.0.1';
    const port = Number(address.slice(at + 1));
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found: try /metrics\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(prometheusText(counters.snapshot()));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return new MetricsEndpoint(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
