// The resource every record of this agent carries: the service (ebpipe, its version, this run)
// and the host it watches, plus what the pipeline file adds under service.telemetry.resource
// (a null value removes one of these). One Resource object per agent, so encoders group every
// record under it once.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, hostname, release } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { version } from '../../common/version.js';

export const SERVICE_NAME = 'ebpipe';

/** process.arch -> the semantic conventions' host.arch values. */
const HOST_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm32',
  ia32: 'x86',
  ppc64: 'ppc64',
  s390x: 's390x',
};

/** A new id per run: the kernel's sequence numbers (ebpipe.seq) restart with each run. */
const instanceId = randomUUID();

function machineId(): string | undefined {
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(file, 'utf8').trim();
      if (id) return id;
    } catch {
      // the next one, or none
    }
  }
  return undefined;
}

export type ResourceAttributeValue = string | number | boolean | null;

export function agentResource(extra: Readonly<Record<string, ResourceAttributeValue>> = {}): Resource {
  const attributes: Record<string, string | number | boolean> = {
    'service.name': SERVICE_NAME,
    'service.version': version,
    'service.instance.id': instanceId,
    'host.name': hostname(),
    'host.arch': HOST_ARCH[arch()] ?? arch(),
    'os.type': 'linux',
    'os.version': release(),
  };
  const id = machineId();
  if (id) attributes['host.id'] = id;
  for (const [key, value] of Object.entries(extra)) {
    if (value === null) delete attributes[key];
    else attributes[key] = value;
  }
  return resourceFromAttributes(attributes);
}
