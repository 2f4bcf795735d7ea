// Policy records (bpf/policy.bpf.c): encode -> decode round trips through the generated
// layouts, a record whose path overruns it, and every field of the event known to filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordDecoder } from './decode.js';
import { encodePolicy, frameBatch, type PolicyRecordValues } from './encode.js';
import { EVENT_FIELDS } from './fields.js';
import { LAYOUTS, PolicyAction, PolicyEventFlags, PolicyHook, PolicyMechanism, Syscall } from './generated/abi.js';
import type { Event } from './model.js';
import type { PolicyMatchEvent } from './policy-events.js';

const creds = { uid: 1000, gid: 1000, euid: 0, egid: 0, capEffective: 0x1n, capPermitted: 0x3n };

const fileRecord: PolicyRecordValues = {
  ktime: 5_000,
  cpu: 1,
  seq: 3,
  task: { tgid: 300, pid: 301, startNs: 42 },
  comm: 'cat',
  syscall: Syscall.SYS_OPENAT,
  result: 3,
  creds,
  policyId: 7,
  ruleIndex: 1,
  selector: 2,
  hook: PolicyHook.HOOK_FILE_OPEN,
  mechanism: PolicyMechanism.MECH_SYSCALL_EXIT,
  actions: PolicyAction.ACTION_POST | PolicyAction.ACTION_SIGKILL | PolicyAction.ACTION_RATE_LIMIT,
  signal: 9,
  signalResult: 0,
  error: 0,
  openFlags: 0o100001,
  dev: 2049,
  ino: 1234,
  suppressed: 17,
  family: 0,
  sport: 0,
  dport: 0,
  saddr: Buffer.alloc(16),
  daddr: Buffer.alloc(16),
  flags: PolicyEventFlags.POLICY_PATH_TRUNCATED,
  policy: 'block-secret-access',
  path: '/my/extremely/secret/file',
};

function decode(...records: Buffer[]): { events: Event[]; decoder: RecordDecoder } {
  const decoder = new RecordDecoder();
  const events: Event[] = [];
  decoder.decodeBatch(frameBatch(records), events);
  return { events, decoder };
}

function fieldPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, prefix ? `${prefix}.${k}` : k));
}

test('a file policy record decodes to policy.match with the policy, what was done and the file', () => {
  const { events } = decode(encodePolicy(fileRecord));
  assert.deepEqual(events, [
    {
      kind: 'policy.match',
      origin: { ktime: 5_000, cpu: 1, seq: 3, clockOffsetNs: 0n },
      process: { pid: 300, tid: 301, startNs: 42, comm: 'cat' },
      policy: 'block-secret-access',
      policyId: 7,
      ruleIndex: 1,
      selector: 2,
      hook: 'file_open',
      mechanism: 'syscall_exit',
      syscall: 'openat',
      actions: ['post', 'sigkill', 'rate_limit'],
      killed: true,
      signal: 9,
      signalResult: 0,
      error: 0,
      result: 3,
      creds,
      suppressed: 17,
      file: { path: '/my/extremely/secret/file', pathTruncated: true, dev: 2049, ino: 1234, openFlags: 0o100001 },
    } satisfies PolicyMatchEvent,
  ]);
});

test('a connection record names both ends; an Override at lsm keeps its error; a failed signal is not a kill', () => {
  const saddr = Buffer.alloc(16);
  const daddr = Buffer.alloc(16);
  daddr.write('20010db8000000000000000000000001', 'hex');
  const { events } = decode(
    encodePolicy({
      ...fileRecord,
      hook: PolicyHook.HOOK_TCP_CONNECT,
      mechanism: PolicyMechanism.MECH_TP_BTF,
      syscall: Syscall.SYS_CONNECT,
      family: 10,
      sport: 0,
      dport: 443,
      saddr,
      daddr,
      signalResult: -3,
      path: '',
      flags: 0,
    }),
    encodePolicy({
      ...fileRecord,
      mechanism: PolicyMechanism.MECH_LSM,
      syscall: Syscall.SYS_NONE,
      actions: PolicyAction.ACTION_POST | PolicyAction.ACTION_OVERRIDE,
      error: -1,
      result: 0,
    }),
  );
  const [connect, refused] = events as PolicyMatchEvent[];
  assert.deepEqual(connect?.connection, {
    family: 'ipv6',
    local: { address: '::', port: 0 },
    remote: { address: '2001:db8::1', port: 443 },
  });
  assert.equal(connect?.file, undefined);
  assert.equal(connect?.killed, false, 'bpf_send_signal failed: the process was not killed');
  assert.equal(refused?.mechanism, 'lsm');
  assert.equal(refused?.syscall, '', 'an lsm hook outside a known call');
  assert.deepEqual(refused?.actions, ['post', 'override']);
  assert.equal(refused?.error, -1);
  for (const path of new Set(events.flatMap((e) => fieldPaths(e)))) {
    if (!path.startsWith('origin.clockOffsetNs')) assert.ok(EVENT_FIELDS.has(path), `${path} is not in EVENT_FIELDS`);
  }
});

test('a record whose path runs past its end is counted as truncated, not decoded', () => {
  const record = encodePolicy(fileRecord);
  const pathLen = LAYOUTS['policy_event']!.fields['path_len']!.offset;
  record.writeUInt16LE(record.readUInt16LE(pathLen) + 10, pathLen);
  const { events, decoder } = decode(record);
  assert.deepEqual(events, []);
  assert.equal(decoder.stats.truncated, 1);
});
