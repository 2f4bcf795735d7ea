// Values as policies write them, read into what the kernel compares: integers (decimal, 0x
// hex, 0o octal), ports and port ranges, CIDRs, capability names, namespace inodes.
import { readlinkSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { PolicyNs } from '../events/generated/abi.js';
import type { NamespaceName } from './tracing-policy-schema.js';

const INTEGER = /^(-)?(?:0x([0-9a-f]+)|0o([0-7]+)|(\d+))$/i;

/** A 64-bit integer, or undefined when the text is not one. */
export function parseInteger(value: string | number): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  const m = INTEGER.exec(value.trim());
  if (!m) return undefined;
  const [, minus, hex, octal, decimal] = m;
  const magnitude =
    hex !== undefined ? BigInt(`0x${hex}`) : octal !== undefined ? BigInt(`0o${octal}`) : BigInt(decimal ?? '0');
  const n = minus ? -magnitude : magnitude;
  return n >= -(1n << 63n) && n < 1n << 64n ? n : undefined;
}

/** "443" or "1024:65535" (inclusive, as Tetragon writes ranges). */
export function parsePortRange(value: string | number): [number, number] | undefined {
  const text = String(value).trim();
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= 65535 ? [lo, hi] : undefined;
}

export interface Cidr {
  /** AF_INET (2) or AF_INET6 (10). */
  family: number;
  /** 16 bytes, IPv4 in the first 4, bits past `bits` zeroed. */
  addr: Buffer;
  bits: number;
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Buffer {
  // Expand "::" and an embedded IPv4 tail into 8 groups.
  let head = text;
  let tail4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail4 = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  if (tail4.length === 4) Buffer.from(tail4).copy(out, 12);
  return out;
}

/** "10.0.0.0/8", "192.168.1.1" (/32), "fd00::/8", "::1" (/128). */
export function parseCidr(value: string | number): Cidr | undefined {
  const [address = '', length, extra] = String(value).trim().split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(address) ? 2 : isIPv6(address) ? 10 : 0;
  if (family === 0) return undefined;
  const max = family === 2 ? 32 : 128;
  const bits = length === undefined ? max : /^\d+$/.test(length) ? Number(length) : NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  const addr = Buffer.alloc(16);
  (family === 2 ? ipv4Bytes(address) : ipv6Bytes(address)).copy(addr);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    addr[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return { family, addr, bits };
}

/** include/uapi/linux/capability.h */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export function capabilityNumber(name: string): number | undefined {
  const n = CAPABILITIES.indexOf(name as (typeof CAPABILITIES)[number]);
  return n < 0 ? undefined : n;
}

export const NAMESPACE_TYPES: Readonly<Record<NamespaceName, { type: number; file: string }>> = {
  Uts: { type: PolicyNs.NS_UTS, file: 'uts' },
  Ipc: { type: PolicyNs.NS_IPC, file: 'ipc' },
  Mnt: { type: PolicyNs.NS_MNT, file: 'mnt' },
  Pid: { type: PolicyNs.NS_PID, file: 'pid' },
  PidForChildren: { type: PolicyNs.NS_PID_FOR_CHILDREN, file: 'pid_for_children' },
  Net: { type: PolicyNs.NS_NET, file: 'net' },
  Cgroup: { type: PolicyNs.NS_CGROUP, file: 'cgroup' },
  User: { type: PolicyNs.NS_USER, file: 'user' },
  Time: { type: PolicyNs.NS_TIME, file: 'time' },
  TimeForChildren: { type: PolicyNs.NS_TIME_FOR_CHILDREN, file: 'time_for_children' },
};

/**
 * The inode of the host's namespace of that kind, for `host_ns`: init's, or the agent's own
 * where init's cannot be read (the agent runs in the host's namespaces); undefined when neither can.
 */
export function hostNamespaceInode(namespace: NamespaceName): number | undefined {
  for (const pid of ['1', 'self']) {
    try {
      const link = readlinkSync(`/proc/${pid}/ns/${NAMESPACE_TYPES[namespace].file}`);
      const m = /\[(\d+)\]$/.exec(link);
      if (m) return Number(m[1]);
    } catch {
      // not readable: try the next
    }
  }
  return undefined;
}
