// `ebpipe policy add|delete|list` on a running agent (over its policy control socket), and
// `ebpipe policy check`, which validates policy files here without an agent.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { formatIssue } from '../config/config-error.js';
import { sendPolicyRequest } from '../policy/control-client.js';
import { DEFAULT_POLICY_SOCKET, type PolicyResponse } from '../policy/control-protocol.js';
import type { PolicyVariant } from '../policy/hooks.js';
import { PolicyFileError, readPolicyFile } from '../policy/policy-document.js';
import type { PolicyStatus } from '../policy/policy-set.js';
import { planPolicy } from '../policy/policy-plan.js';

export interface PolicyIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

function describe(p: PolicyStatus): string {
  const hooks = p.hooks.map((h) => `  ${h.hook} -> ${h.mechanism}${h.note ? ` (${h.note})` : ''}`);
  return [`${p.name} (${p.file}, sha256 ${p.sha256.slice(0, 12)})`, ...hooks].join('\n');
}

function failed(response: PolicyResponse & { ok: false }, io: PolicyIo): void {
  if (response.issues && response.issues.length > 0) {
    for (const issue of response.issues) io.err.write(`${formatIssue(issue)}\n`);
  } else {
    io.err.write(`ebpipe: ${response.message}\n`);
  }
}

/** Sends each file to the agent; returns the exit code (1 when any was refused). */
export async function addPolicies(files: readonly string[], socket: string, io: PolicyIo): Promise<number> {
  let code = 0;
  for (const file of files) {
    const path = resolve(file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      io.err.write(`ebpipe: reading ${file}: ${(err as Error).message}\n`);
      code = 1;
      continue;
    }
    const response = await sendPolicyRequest(socket, { op: 'add', file: path, text });
    if (response.ok && response.op === 'add') io.out.write(`added ${describe(response.policy)}\n`);
    else if (!response.ok) {
      failed(response, io);
      code = 1;
    }
  }
  return code;
}

/** Each argument is a policy file (the policy added from it, else the one its metadata.name names) or a policy name. */
export async function deletePolicies(targets: readonly string[], socket: string, io: PolicyIo): Promise<number> {
  let code = 0;
  for (const target of targets) {
    const path = resolve(target);
    let response: PolicyResponse;
    if (existsSync(path)) {
      response = await sendPolicyRequest(socket, { op: 'delete', file: path });
      const name = !response.ok && response.code === 'POLICY_NOT_FOUND' ? policyName(path) : undefined;
      if (name !== undefined) response = await sendPolicyRequest(socket, { op: 'delete', name });
    } else {
      response = await sendPolicyRequest(socket, { op: 'delete', name: target });
    }
    if (response.ok && response.op === 'delete') io.out.write(`deleted ${response.name}\n`);
    else if (!response.ok) {
      failed(response, io);
      code = 1;
    }
  }
  return code;
}

function policyName(file: string): string | undefined {
  try {
    return readPolicyFile(file).policy.metadata.name;
  } catch {
    return undefined;
  }
}

export async function listPolicies(socket: string, json: boolean, io: PolicyIo): Promise<number> {
  const response = await sendPolicyRequest(socket, { op: 'list' });
  if (!response.ok) {
    failed(response, io);
    return 1;
  }
  if (response.op !== 'list') return 1;
  if (json) {
    io.out.write(
      `${JSON.stringify({ variant: response.variant, policies: response.policies, hooks: response.hooks })}\n`,
    );
    return 0;
  }
  io.out.write(`policy sensor: ${response.variant}\n`);
  if (response.policies.length === 0) io.out.write('no policies loaded\n');
  for (const p of response.policies) {
    io.out.write(`${describe(p)}\n`);
    for (const h of p.hooks) {
      const c = h.counts;
      io.out.write(
        `    evaluated ${c.evaluated} matched ${c.matched} posted ${c.posted} signalled ${c.signalled} overridden ${c.overridden} rate-limited ${c.rateLimited} aggregated ${c.aggregated}\n`,
      );
    }
  }
  return 0;
}

/** Validates files as the agent would for the given variant; returns 0 when all are valid. */
export function checkPolicies(files: readonly string[], variant: PolicyVariant, io: PolicyIo): number {
  let invalid = 0;
  for (const file of files) {
    try {
      const doc = readPolicyFile(file);
      planPolicy(doc, variant);
      io.out.write(`${file}: ok (${doc.policy.metadata.name})\n`);
    } catch (err) {
      if (!(err instanceof PolicyFileError)) throw err;
      invalid++;
      for (const issue of err.issues) io.err.write(`${formatIssue(issue)}\n`);
    }
  }
  return invalid === 0 ? 0 : 1;
}

export function registerPolicyCommand(program: Command, report: (err: unknown) => never): void {
  const policy = program
    .command('policy')
    .description('manage the TracingPolicy-style policies of a running agent (config/policies/README.md)')
    .addOption(
      new Option('--socket <path>', "the agent's policy control socket").default(
        process.env['EBPIPE_POLICY_SOCKET'] ?? DEFAULT_POLICY_SOCKET,
      ),
    );
  const io: PolicyIo = { out: process.stdout, err: process.stderr };
  const socketOf = (cmd: Command) => (cmd.parent?.opts() as { socket: string }).socket;

  policy
    .command('add')
    .description('validate, compile and apply policy files (a policy of the same name from the same file is replaced)')
    .argument('<files...>', 'policy files')
    .action(async (files: string[], _opts: unknown, cmd: Command) => {
      process.exitCode = await addPolicies(files, socketOf(cmd), io).catch(report);
    });
  policy
    .command('delete')
    .description('remove policies, by name or by the file they were added from')
    .argument('<policies...>', 'policy names or files')
    .action(async (targets: string[], _opts: unknown, cmd: Command) => {
      process.exitCode = await deletePolicies(targets, socketOf(cmd), io).catch(report);
    });
  policy
    .command('list')
    .description('the loaded policies, the kernel mechanism of each hook, and their in-kernel counters')
    .option('--json', 'one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      process.exitCode = await listPolicies(socketOf(cmd), opts.json ?? false, io).catch(report);
    });
  policy
    .command('check')
    .description('validate policy files here, without an agent (exit 1 when any is invalid)')
    .argument('<files...>', 'policy files')
    .option('--lsm', 'check as for a kernel with BPF LSM (Override allowed on file hooks)')
    .action((files: string[], opts: { lsm?: boolean }) => {
      process.exitCode = checkPolicies(files, opts.lsm ? 'lsm' : 'tracepoint', io);
    });
}
