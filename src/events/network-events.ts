// Events of the network sensor (bpf/network.bpf.c): connect, accept, close, bind, listen, UDP sends.
import type { ProcessRef, RecordOrigin, SocketAddress, SyscallOutcome } from './references.js';

/** What every network event says about its socket. */
export interface SocketRef {
  family: 'ipv4' | 'ipv6';
  /** `tcp` or `udp`. */
  protocol: string;
  local: SocketAddress;
  remote: SocketAddress;
}

/** connect(2) of a TCP or UDP socket, at the call's exit (EINPROGRESS for a non-blocking TCP connect). */
export interface NetworkConnectEvent extends SyscallOutcome, SocketRef {
  kind: 'network.connect';
  origin: RecordOrigin;
  process: ProcessRef;
}

/** A TCP connection accepted by accept/accept4; result is the new fd. */
export interface NetworkAcceptEvent extends SyscallOutcome, SocketRef {
  kind: 'network.accept';
  origin: RecordOrigin;
  process: ProcessRef;
}

/**
 * A TCP socket reached TCP_CLOSE. process is the socket's owner (the process that
 * connected, accepted or listened), not whatever ran when the kernel closed it; pid 0
 * and ownerKnown false when that happened before the sensor started.
 */
export interface NetworkCloseEvent extends SocketRef {
  kind: 'network.close';
  origin: RecordOrigin;
  process: ProcessRef;
  ownerKnown: boolean;
  /** The state it left: ESTABLISHED (a reset), SYN_SENT (a failed connect), LISTEN, FIN_WAIT2, ... */
  oldState: string;
  bytesAcked: number;
  bytesReceived: number;
}

export interface NetworkBindEvent extends SyscallOutcome, SocketRef {
  kind: 'network.bind';
  origin: RecordOrigin;
  process: ProcessRef;
}

export interface NetworkListenEvent extends SyscallOutcome, SocketRef {
  kind: 'network.listen';
  origin: RecordOrigin;
  process: ProcessRef;
  backlog: number;
}

/** The first datagram a process sends to a destination (sendto/sendmsg naming it). */
export interface NetworkUdpSendEvent extends SyscallOutcome, SocketRef {
  kind: 'network.udp_send';
  origin: RecordOrigin;
  process: ProcessRef;
}

export type NetworkEvent =
  | NetworkConnectEvent
  | NetworkAcceptEvent
  | NetworkCloseEvent
  | NetworkBindEvent
  | NetworkListenEvent
  | NetworkUdpSendEvent;
