// The policy engine of a running agent: on the kernel source's `policy` sensor, with its
// control socket and, when configured, a watched directory of policy files.
import type { Event } from '../events/model.js';
import type { KernelSource } from '../kernel/kernel-source.js';
import { loadNativeAddon } from '../kernel/native.js';
import type { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { PolicyControlServer } from './control-server.js';
import type { PolicyVariant } from './hooks.js';
import { PolicyDirectory } from './policy-directory.js';
import { PolicyEngine } from './policy-engine.js';
import { EbpipeError } from '../common/errors.js';

export interface PolicyServiceOptions {
  /** Policy files loaded at start and followed as they change. */
  directory?: string;
  /** The control socket for `ebpipe policy`; none when undefined. */
  socket?: string;
  tickMs?: number;
}

export interface PolicyServiceContext {
  logger: Logger;
  counters?: CounterRegistry;
  emit(events: Event[]): void;
}

export class PolicyServiceError extends EbpipeError {
  override readonly name = 'PolicyServiceError';
  constructor(message: string) {
    super('POLICY_SENSOR_UNAVAILABLE', 'opening', message);
  }
}

export class PolicyService {
  private constructor(
    readonly engine: PolicyEngine,
    private readonly directory: PolicyDirectory | undefined,
    private readonly control: PolicyControlServer | undefined,
  ) {}

  static async start(
    source: KernelSource,
    options: PolicyServiceOptions,
    ctx: PolicyServiceContext,
  ): Promise<PolicyService> {
    const status = source.sensorStatus().find((s) => s.sensor === 'policy');
    const object = source.sensorObject('policy');
    if (!status || status.state !== 'attached' || !object) {
      const why = status?.state === 'unavailable' ? status.reason : 'the ebpf receiver does not load the policy sensor';
      throw new PolicyServiceError(`policies cannot be enforced: ${why}`);
    }
    const addon = loadNativeAddon();
    const engine = new PolicyEngine({
      object,
      variant: status.variant as PolicyVariant,
      logger: ctx.logger,
      emit: (events) => ctx.emit(events),
      clockOffsetNs: addon.bootToRealtimeOffsetNs(),
      cpus: addon.possibleCpus(),
      ...(ctx.counters && { counters: ctx.counters }),
      ...(options.tickMs !== undefined && { tickMs: options.tickMs }),
    });
    let directory: PolicyDirectory | undefined;
    let control: PolicyControlServer | undefined;
    try {
      if (options.directory) {
        directory = new PolicyDirectory(options.directory, engine, ctx.logger);
        directory.start();
      }
      if (options.socket) control = await PolicyControlServer.listen(options.socket, engine, ctx.logger);
    } catch (err) {
      directory?.close();
      engine.close();
      throw err;
    }
    return new PolicyService(engine, directory, control);
  }

  /** Stops taking changes and emits what aggregation holds; the policies stay in the kernel until the sensor is closed. */
  async close(): Promise<void> {
    this.directory?.close();
    await this.control?.close();
    this.engine.close();
  }
}
