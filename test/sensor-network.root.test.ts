// Network sensor on the real kernel (root): this test listens on 127.0.0.1 and ::1, a child
// process connects, and both ends of the connection come back with their ports and pids,
// then both closes, attributed to their owners. UDP destinations and bind/listen too.
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Event } from '../src/events/model.js';
import type { NetworkEvent } from '../src/events/network-events.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { CollectingKernel } from './helpers/kernel.js';
import { SensorHelper } from './helpers/sensor-helper.js';

type Kind = NetworkEvent['kind'];
type Of<K extends Kind> = Extract<NetworkEvent, { kind: K }>;

function is<K extends Kind>(kind: K, match: (e: Of<K>) => boolean) {
  return (e: Event): e is Of<K> => e.kind === kind && match(e as Of<K>);
}

/** Connects from a child node process, prints its local port, and closes. */
const CONNECT = `
  const net = require('node:net');
  const [host, port] = process.argv.slice(1);
  const socket = net.connect(Number(port), host, () => { console.log(socket.localPort); socket.end(); });
  socket.resume();
  socket.on('close', () => process.exit(0));`;

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.resume();
      socket.end();
    });
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('network sensor (root, real kernel)', { concurrency: false }, () => {
  let kernel: CollectingKernel | undefined;
  let helper: SensorHelper | undefined;

  before(() => {
    if (rootMissing() !== null) return;
    // The test process itself listens and connects: it must not be filtered out as the agent.
    kernel = new CollectingKernel({ sensors: ['network'], observeSelf: true });
    helper = new SensorHelper();
  });
  after(async () => {
    await kernel?.close();
    helper?.remove();
  });

  for (const host of ['127.0.0.1', '::1']) {
    test(`a TCP connection over ${host}: listen, connect and accept with both pids and ports, then both closes`, async (t) => {
      if (!requirement(t, rootMissing()) || !kernel || !helper) return;
      const k = kernel;
      const family = host.includes(':') ? 'ipv6' : 'ipv4';
      const server = await listen(host);
      const port = (server.address() as AddressInfo).port;

      const bind = await k.waitFor(is('network.bind', (e) => e.process.pid === process.pid && e.local.port === port));
      assert.deepEqual([bind.family, bind.protocol, bind.local.address, bind.result], [family, 'tcp', host, 0]);
      const listening = await k.waitFor(
        is('network.listen', (e) => e.process.pid === process.pid && e.local.port === port),
      );
      assert.equal(listening.result, 0);
      assert.ok(listening.backlog > 0);

      const child = await helper.run(['-e', CONNECT, host, String(port)], { command: [process.execPath] });
      assert.equal(child.code, 0);
      const childPort = Number(child.stdout.trim());
      assert.ok(childPort > 0, `the child printed its port: ${child.stdout}`);

      const connect = await k.waitFor(is('network.connect', (e) => e.process.pid === child.pid));
      assert.equal(connect.family, family);
      assert.equal(connect.protocol, 'tcp');
      assert.deepEqual(connect.remote, { address: host, port });
      assert.deepEqual(connect.local, { address: host, port: childPort });
      assert.ok(connect.result === 0 || connect.error === 'EINPROGRESS', `connect result ${connect.result}`);

      const accept = await k.waitFor(is('network.accept', (e) => e.remote.port === childPort));
      assert.equal(accept.process.pid, process.pid, 'accepted by this test process');
      assert.equal(accept.syscall, 'accept4');
      assert.deepEqual(accept.local, { address: host, port });
      assert.deepEqual(accept.remote, { address: host, port: childPort });
      assert.ok(accept.result >= 0, 'the new fd');

      // The child's end closes in its own context or in softirq; either way it is the child's.
      const childClose = await k.waitFor(is('network.close', (e) => e.local.port === childPort));
      assert.equal(childClose.process.pid, child.pid);
      assert.equal(childClose.process.startNs, connect.process.startNs);
      assert.equal(childClose.ownerKnown, true);
      assert.deepEqual(childClose.remote, { address: host, port });
      const serverClose = await k.waitFor(
        is('network.close', (e) => e.local.port === port && e.remote.port === childPort),
      );
      assert.equal(serverClose.process.pid, process.pid);

      await close(server);
      const listenerClose = await k.waitFor(
        is('network.close', (e) => e.local.port === port && e.oldState === 'LISTEN'),
      );
      assert.equal(listenerClose.process.pid, process.pid);
    });
  }

  test('UDP: the first datagram to each destination per process is reported, by sendto and sendmsg', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !helper) return;
    const k = kernel;
    const receivers: UdpSocket[] = [];
    const bound = async () => {
      const socket = createSocket('udp4');
      receivers.push(socket);
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      return socket.address().port;
    };
    try {
      const port = await bound();
      const other = await bound();
      const sendto = await helper.run(['udp-sendto', '127.0.0.1', String(port), '3']);
      assert.equal(sendto.stdout, 'sendto 4\n'.repeat(3));
      const sendmsg = await helper.run(['udp-sendmsg', '127.0.0.1', String(other)]);
      assert.equal(sendmsg.stdout, 'sendmsg 4\n');

      const first = await k.waitFor(is('network.udp_send', (e) => e.process.pid === sendto.pid));
      assert.deepEqual([first.syscall, first.protocol, first.result], ['sendto', 'udp', 4]);
      assert.deepEqual(first.remote, { address: '127.0.0.1', port });
      assert.ok(first.local.port > 0, 'the port the kernel bound the sender to');
      const viaMsg = await k.waitFor(is('network.udp_send', (e) => e.process.pid === sendmsg.pid));
      assert.deepEqual([viaMsg.syscall, viaMsg.remote.port], ['sendmsg', other]);
      const binds = k.events.filter((e) => e.kind === 'network.bind' && e.process.pid === process.pid);
      assert.ok(binds.some((e) => e.kind === 'network.bind' && e.protocol === 'udp' && e.local.port === port));
      // Give a repeated send time to arrive, if it were reported.
      await k
        .waitFor(
          is('network.udp_send', () => false),
          200,
        )
        .catch(() => undefined);
      assert.equal(k.events.filter(is('network.udp_send', (e) => e.process.pid === sendto.pid)).length, 1);
    } finally {
      for (const r of receivers) r.close();
    }
  });

  test('a refused connect reports the error, the destination asked for, and the failed socket closing', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !helper) return;
    const server = await listen('127.0.0.1');
    const port = (server.address() as AddressInfo).port;
    await close(server); // nothing listens there now
    const script = `const s = require('node:net').connect(${port}, '127.0.0.1'); s.on('error', (e) => { console.log(e.code); });`;
    const child = await helper.run(['-e', script], { command: [process.execPath] });
    assert.equal(child.stdout.trim(), 'ECONNREFUSED');
    const connect = await kernel.waitFor(is('network.connect', (e) => e.process.pid === child.pid));
    assert.deepEqual(connect.remote, { address: '127.0.0.1', port });
    const closed = await kernel.waitFor(is('network.close', (e) => e.process.pid === child.pid));
    assert.equal(closed.oldState, 'SYN_SENT');
  });

  test('no records are lost to framing or decoding, and none were dropped', (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const s = kernel.decoder.stats;
    assert.equal(s.truncated + s.unknownOp + s.badFraming, 0);
    assert.deepEqual(kernel.source.drops(), []);
  });
});
