// Names for the kernel's numbers in records: system calls (events.h), errnos, TCP states,
// address families and protocols, and address text. Tables are built once; lookups do not
// allocate.
import { constants } from 'node:os';
import { Syscall } from './generated/abi.js';

const SYSCALL_NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, n] of Object.entries(Syscall)) names[n] = name.replace(/^SYS_/, '').toLowerCase();
  return names;
})();

/** `openat` for EBPIPE_SYS_OPENAT; `syscall_N` for a number this build does not know. */
export function syscallName(n: number): string {
  return SYSCALL_NAMES[n] ?? `syscall_${n}`;
}

/** First name per number: EAGAIN before EWOULDBLOCK, as errno(3) lists them. */
const ERRNO_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!ERRNO_NAMES.has(n)) ERRNO_NAMES.set(n, name);

/** The errno name of a negative syscall result (`ENOENT` for -2); undefined for a success. */
export function errnoName(result: number): string | undefined {
  if (result >= 0) return undefined;
  return ERRNO_NAMES.get(-result) ?? `errno ${-result}`;
}

/** include/net/tcp_states.h. */
const TCP_STATES = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

export function tcpStateName(n: number): string {
  return TCP_STATES[n] || `state_${n}`;
}

export const AF_INET = 2;
export const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

export function protocolName(n: number): string {
  if (n === IPPROTO_TCP) return 'tcp';
  if (n === IPPROTO_UDP) return 'udp';
  return `ipproto_${n}`;
}

/** Dotted text of the IPv4 address in bytes [at, at + 4). */
export function formatIpv4(buf: Buffer, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

/**
 * RFC 5952 text of the IPv6 address in bytes [at, at + 16): lower-case hex without
 * leading zeros, the first longest run of two or more zero groups as `::`, and an
 * IPv4-mapped address (::ffff:a.b.c.d) with its IPv4 part dotted.
 */
export function formatIpv6(buf: Buffer, at: number): string {
  const group = (i: number) => buf.readUInt16BE(at + 2 * i);
  let mappedPrefix = true;
  for (let i = 0; i < 5; i++) mappedPrefix &&= group(i) === 0;
  if (mappedPrefix && group(5) === 0xffff) return `::ffff:${formatIpv4(buf, at + 12)}`;

  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (group(i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && group(j) === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => {
    const parts: string[] = [];
    for (let i = from; i < to; i++) parts.push(group(i).toString(16));
    return parts.join(':');
  };
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
