import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cgroupPathFromProcFile, parseCgroupPath, type CgroupIdentity } from './cgroup-path.js';

const ID = '3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899';
const ID2 = 'aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233';
const POD = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const POD_SYSTEMD = POD.replaceAll('-', '_');

const TABLE: ReadonlyArray<readonly [string, Omit<CgroupIdentity, 'path'>]> = [
  // docker
  [`/docker/${ID}`, { containerId: ID, runtime: 'docker' }],
  [`/system.slice/docker-${ID}.scope`, { containerId: ID, runtime: 'docker' }],
  [`/docker/${ID}/docker/${ID2}`, { containerId: ID2, runtime: 'docker' }],
  // containerd
  [`/system.slice/cri-containerd-${ID}.scope`, { containerId: ID, runtime: 'containerd' }],
  [`/user.slice/nerdctl-${ID}.scope`, { containerId: ID, runtime: 'containerd' }],
  // cri-o, and its monitor which is not the container
  [`/machine.slice/crio-${ID}.scope`, { containerId: ID, runtime: 'cri-o' }],
  [`/machine.slice/crio-conmon-${ID}.scope`, { systemdUnit: `crio-conmon-${ID}.scope` }],
  // podman: systemd scope, its container child (cgroup v2 nesting), cgroupfs, conmon
  [`/machine.slice/libpod-${ID}.scope`, { containerId: ID, runtime: 'podman' }],
  [`/machine.slice/libpod-${ID}.scope/container`, { containerId: ID, runtime: 'podman' }],
  [`/libpod_parent/libpod-${ID}`, { containerId: ID, runtime: 'podman' }],
  [`/machine.slice/libpod-conmon-${ID}.scope`, { systemdUnit: `libpod-conmon-${ID}.scope` }],
  // lxc
  ['/lxc.payload.web1', { containerId: 'web1', runtime: 'lxc' }],
  // kubepods, systemd driver, each runtime
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice/cri-containerd-${ID}.scope`,
    { containerId: ID, runtime: 'containerd', podUid: POD },
  ],
  [
    `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_SYSTEMD}.slice/crio-${ID}.scope`,
    { containerId: ID, runtime: 'cri-o', podUid: POD },
  ],
  [
    `/kubepods.slice/kubepods-pod${POD_SYSTEMD}.slice/docker-${ID}.scope`,
    { containerId: ID, runtime: 'docker', podUid: POD },
  ],
  // kubepods, cgroupfs driver: guaranteed pods sit directly under kubepods
  [`/kubepods/burstable/pod${POD}/${ID}`, { containerId: ID, runtime: 'cri', podUid: POD }],
  [`/kubepods/pod${POD}/${ID}`, { containerId: ID, runtime: 'cri', podUid: POD }],
  [`/kubepods/besteffort/pod${POD}/crio-${ID}`, { containerId: ID, runtime: 'cri-o', podUid: POD }],
  // a pod's own cgroup: the pod is known, no container
  [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SYSTEMD}.slice`, { podUid: POD }],
  // systemd units outside containers
  ['/system.slice/ssh.service', { systemdUnit: 'ssh.service' }],
  ['/user.slice/user-1000.slice/session-3.scope', { systemdUnit: 'session-3.scope' }],
  [
    '/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-1.scope',
    { systemdUnit: 'vte-spawn-1.scope' },
  ],
  ['/system.slice/containerd.service', { systemdUnit: 'containerd.service' }],
  // nothing to say
  ['/', {}],
  ['/user.slice', {}],
  // look-alikes that are not containers
  [`/system.slice/docker-${ID.slice(1)}.scope`, { systemdUnit: `docker-${ID.slice(1)}.scope` }],
  [`/${ID}`, {}],
  [`/kubepods/burstable/notapod/${ID}`, {}],
];

describe('parseCgroupPath', () => {
  for (const [path, expected] of TABLE) {
    test(path, () => {
      assert.deepEqual(parseCgroupPath(path), { path, ...expected });
    });
  }
});

describe('cgroupPathFromProcFile', () => {
  test('cgroup v2 only: the 0:: path', () => {
    assert.equal(cgroupPathFromProcFile('0::/system.slice/ssh.service\n'), '/system.slice/ssh.service');
  });

  test('hybrid host: the v2 path when no line names a container', () => {
    const text = '9:name=systemd:/user.slice/session-1.scope\n4:memory:/user.slice\n0::/user.slice/session-1.scope\n';
    assert.equal(cgroupPathFromProcFile(text), '/user.slice/session-1.scope');
  });

  test('hybrid host with a runtime on v1 only: the v1 line that names the container', () => {
    const text = `12:pids:/docker/${ID}\n1:name=systemd:/docker/${ID}\n0::/\n`;
    assert.equal(cgroupPathFromProcFile(text), `/docker/${ID}`);
  });

  test('v1 only, no container: the systemd hierarchy, which names the unit', () => {
    assert.equal(
      cgroupPathFromProcFile('4:memory:/\n1:name=systemd:/system.slice/ssh.service\n'),
      '/system.slice/ssh.service',
    );
    assert.equal(cgroupPathFromProcFile('4:memory:/\n'), '/');
  });
});
