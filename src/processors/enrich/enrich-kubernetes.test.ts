// The process enricher with the Kubernetes pod provider, against an API server answering
// with recorded responses (src/testing/kubernetes-api.ts) and a /proc look-alike.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CgroupDirectory } from '../../containers/cgroup-directory.js';
import type { PodRef } from '../../events/references.js';
import { UserNames } from '../../processes/user-names.js';
import { FakeProc } from '../../testing/fake-proc.js';
import { containerIds, KUBERNETES_TOKEN, podUid, startRecordedPods } from '../../testing/kubernetes-api.js';
import { exitEvent } from '../../testing/synthetic-events.js';
import { until } from '../../testing/wait.js';
import { ProcessEnricher } from './process-enricher.js';

const files = mkdtempSync(join(tmpdir(), 'ebpipe-k8s-enrich-'));
const tokenFile = join(files, 'token');
writeFileSync(tokenFile, `${KUBERNETES_TOKEN}\n`);
after(() => rmSync(files, { recursive: true, force: true }));

test('the enricher gives a container process its pod from the provider', async (t) => {
  const { pods, close } = await startRecordedPods({ tokenFile });
  t.after(close);
  await pods.ready;
  const id = containerIds['web-7d4b9c6f8-x2x9q/web']!;
  const uid = podUid('web-7d4b9c6f8-x2x9q');
  const proc = new FakeProc().add({
    pid: 4000,
    ppid: 0,
    comm: 'nginx',
    startTicks: 500,
    binary: '/usr/sbin/nginx',
    argv: ['nginx'],
    cgroup: `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replaceAll('-', '_')}.slice/cri-containerd-${id}.scope`,
  });
  t.after(() => proc.dispose());
  const enricher = new ProcessEnricher({
    host: 'node-a:0',
    procRoot: proc.root,
    cgroups: new CgroupDirectory({ procRoot: proc.root, mountPoint: undefined, hybrid: false }),
    users: new UserNames({ path: join(files, 'no-passwd') }),
    pods,
  });
  enricher.seedFromProc();
  const pod = await until('the pod on the event', () => {
    const event = exitEvent(1e9, { pid: 4000, startNs: 500 * 1e7 });
    enricher.enrich(event);
    // Until the ReplicaSet's owner is fetched, the workload is the ReplicaSet.
    return event.process.pod?.workload?.kind === 'Deployment' ? event.process.pod : undefined;
  });
  const expected: PodRef = {
    uid,
    name: 'web-7d4b9c6f8-x2x9q',
    namespace: 'shop',
    labels: { app: 'web', 'pod-template-hash': '7d4b9c6f8' },
    containerName: 'web',
    workload: { kind: 'Deployment', name: 'web' },
  };
  assert.deepEqual(pod, expected);
});
