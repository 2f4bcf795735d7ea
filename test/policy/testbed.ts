// A policy engine on the real kernel for tests: the `policy` sensor loaded alone, its events
// and the engine's audit and summary events collected, a C helper (open-reader.c) that opens
// files with one exact system call, and YAML for policies.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../src/events/model.js';
import type { PolicyAuditEvent, PolicyMatchEvent, PolicySummaryEvent } from '../../src/events/policy-events.js';
import { loadNativeAddon } from '../../src/kernel/native.js';
import { projectRoot } from '../../src/common/paths.js';
import type { PolicyVariant } from '../../src/policy/hooks.js';
import { parsePolicy } from '../../src/policy/policy-document.js';
import type { PolicyActor } from '../../src/policy/audit-trail.js';
import { PolicyEngine } from '../../src/policy/policy-engine.js';
import type { PolicyStatus } from '../../src/policy/policy-set.js';
import { CounterRegistry } from '../../src/telemetry/counters.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { CollectingKernel } from '../helpers/kernel.js';

export interface Run {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const TEST_ACTOR: PolicyActor = { via: 'cli', pid: process.pid, uid: process.getuid?.() ?? 0 };

export class PolicyTestbed {
  readonly kernel = new CollectingKernel({ sensors: ['policy'] });
  readonly variant: PolicyVariant;
  readonly engine: PolicyEngine;
  /** The engine's metrics. */
  readonly counters = new CounterRegistry();
  /** Scratch directory of this run (resolved: the kernel reports resolved paths). */
  readonly dir = realpathSync(mkdtempSync(join(tmpdir(), 'ebpipe-policy-')));
  /** open-reader.c, built (statically) for this run. */
  readonly reader = join(this.dir, 'open-reader');

  constructor(tickMs = 200) {
    chmodSync(this.dir, 0o755);
    // Static: no dynamic loader opening /etc/ld.so.cache and libc in the tests' counts.
    execFileSync('cc', [
      '-O2',
      '-Wall',
      '-Werror',
      '-static',
      '-o',
      this.reader,
      join(projectRoot, 'test/policy/open-reader.c'),
    ]);
    const status = this.kernel.source.sensorStatus().find((s) => s.sensor === 'policy');
    if (status?.state !== 'attached') throw new Error(`policy sensor not attached: ${JSON.stringify(status)}`);
    this.variant = status.variant as PolicyVariant;
    const addon = loadNativeAddon();
    this.engine = new PolicyEngine({
      object: this.kernel.source.sensorObject('policy')!,
      variant: this.variant,
      logger: createLogger('policy-test'),
      emit: (events) => this.kernel.events.push(...events),
      clockOffsetNs: addon.bootToRealtimeOffsetNs(),
      cpus: addon.possibleCpus(),
      counters: this.counters,
      tickMs,
    });
  }

  apply(text: string, file = join(this.dir, 'policy.yaml')): PolicyStatus {
    return this.engine.apply(parsePolicy(text, file), TEST_ACTOR);
  }

  /** Runs a command to its end; stdout is what it read before it was stopped. */
  run(command: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd ?? this.dir });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal, stdout, stderr }));
    });
  }

  matches(policy: string, pid?: number): PolicyMatchEvent[] {
    return this.kernel.events.filter(
      (e): e is PolicyMatchEvent =>
        e.kind === 'policy.match' && e.policy === policy && (pid === undefined || e.process.pid === pid),
    );
  }

  /** The first event of the policy for that process, waiting for the ring reader to deliver it. */
  async matchOf(policy: string, pid: number): Promise<PolicyMatchEvent> {
    const isMatch = (e: Event): e is PolicyMatchEvent =>
      e.kind === 'policy.match' && e.policy === policy && e.process.pid === pid;
    return this.kernel.waitFor(isMatch, 10_000);
  }

  summaries(policy: string): PolicySummaryEvent[] {
    return this.kernel.events.filter(
      (e): e is PolicySummaryEvent => e.kind === 'policy.summary' && e.policy === policy,
    );
  }

  audits(policy?: string): PolicyAuditEvent[] {
    return this.kernel.events.filter(
      (e): e is PolicyAuditEvent => e.kind === 'policy.audit' && (policy === undefined || e.policy === policy),
    );
  }

  waitFor(match: (e: Event) => boolean, timeoutMs = 10_000): Promise<Event> {
    return this.kernel.waitFor(match, timeoutMs);
  }

  async close(): Promise<void> {
    this.engine.close();
    await this.kernel.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
