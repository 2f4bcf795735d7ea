// Runs a command inside Debian's 6.1 kernel under QEMU (scripts/vm/run.sh), for tests of
// the BPF programs this host's kernel refuses (kprobe, fentry, lsm). The guest sees the
// host's filesystem, so built objects, the addon and node run there unchanged.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../common/paths.js';
import { EbpipeError } from '../common/errors.js';

const runScript = join(projectRoot, 'scripts', 'vm', 'run.sh');
// run.sh's documented exit status when its --timeout ran out before the command finished.
const exitTimeout = 124;
const defaultTimeoutMs = 600_000;
const consoleLinesInErrors = 30;

export interface KernelVmOptions {
  /** Limit for the whole run, boot included; default 10 minutes. */
  timeoutMs?: number;
  /** Working directory of the command in the guest; default process.cwd(). */
  cwd?: string;
  /** Added to the command's environment; PATH and HOME have guest defaults otherwise. */
  env?: Readonly<Record<string, string>>;
  /** Host directories mounted read-write at the same path, so files the guest writes there come back. */
  shares?: readonly string[];
}

export interface KernelVmResult {
  /** The command's exit status in the guest. */
  code: number;
  stdout: string;
  stderr: string;
  /** `uname -r` of the guest kernel. */
  kernelRelease: string;
}

export type KernelVmErrorCode = 'VM_TIMEOUT' | 'VM_FAILED';

/** The VM did not run the command to its end; the guest's console log path is kept for a look. */
export class KernelVmError extends EbpipeError {
  override readonly name = 'KernelVmError';
  declare readonly code: KernelVmErrorCode;

  constructor(
    code: KernelVmErrorCode,
    message: string,
    /** The guest's console, kept on disk; null when the VM never started. */
    readonly consoleLog: string | null,
  ) {
    super(code, 'opening', message);
  }
}

export type KernelVmAvailability = { ok: true } | { ok: false; reason: string };

/** Whether QEMU, the guest kernel, its modules and a static busybox are installed. */
export function kernelVmAvailable(): KernelVmAvailability {
  const check = spawnSync('bash', [runScript, '--check'], { encoding: 'utf8' });
  if (check.error) return { ok: false, reason: `running ${runScript}: ${check.error.message}` };
  if (check.status === 0) return { ok: true };
  return { ok: false, reason: check.stderr.trim().replace(/^run\.sh: /, '') };
}

export async function runInKernelVm(argv: readonly string[], opts: KernelVmOptions = {}): Promise<KernelVmResult> {
  const jobDir = await mkdtemp(join(tmpdir(), 'ebpipe-vm-job-'));
  const timeoutSecs = Math.max(1, Math.ceil((opts.timeoutMs ?? defaultTimeoutMs) / 1000));
  const args = [runScript, '--job-dir', jobDir, '--timeout', String(timeoutSecs), '--cwd', opts.cwd ?? process.cwd()];
  for (const [key, value] of Object.entries(opts.env ?? {})) args.push('--env', `${key}=${value}`);
  for (const dir of opts.shares ?? []) args.push('--share', dir);
  args.push('--', ...argv);

  const { status, stderrTail } = await runHarness(args);
  const job = (name: string) => join(jobDir, name);
  const read = (name: string) => readFile(job(name), 'utf8');
  const commandStatus = await read('status').catch(() => null);
  if (commandStatus === null) {
    const what = `running ${JSON.stringify(argv.join(' '))} in the kernel vm`;
    const cause =
      status === exitTimeout
        ? `timed out after ${timeoutSecs} s (boot included)`
        : `vm failed (run.sh status ${status})`;
    const consoleText = await read('console.log').catch(() => '');
    const consoleTail = consoleText.split('\n').slice(-consoleLinesInErrors).join('\n');
    throw new KernelVmError(
      status === exitTimeout ? 'VM_TIMEOUT' : 'VM_FAILED',
      `${what}: ${cause}\n${stderrTail}\nguest console (${job('console.log')}):\n${consoleTail}`,
      job('console.log'),
    );
  }
  const [stdout, stderr, kernelRelease] = await Promise.all([read('stdout'), read('stderr'), read('kernel-release')]);
  await rm(jobDir, { recursive: true, force: true });
  return { code: Number(commandStatus), stdout, stderr, kernelRelease: kernelRelease.trim() };
}

// run.sh's own stderr carries the guest's stderr too (read from the job dir instead), so
// only its tail is kept, for the harness's reason when the VM fails.
function runHarness(args: readonly string[]): Promise<{ status: number | null; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderrTail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4096);
    });
    child.on('error', (err) => reject(new KernelVmError('VM_FAILED', `starting ${runScript}: ${err.message}`, null)));
    child.on('close', (status) => resolve({ status, stderrTail: stderrTail.trimEnd() }));
  });
}
