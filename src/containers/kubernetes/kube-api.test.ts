import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inClusterApi } from './kube-api.js';

describe('inClusterApi', () => {
  test("the service address and the service account's token and CA", () => {
    assert.deepEqual(inClusterApi({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, '/sa'), {
      server: 'https://10.96.0.1:443',
      tokenFile: '/sa/token',
      caFile: '/sa/ca.crt',
    });
  });

  test('an IPv6 service address is bracketed', () => {
    assert.equal(
      inClusterApi({ KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' })?.server,
      'https://[fd00:10:96::1]:443',
    );
  });

  test('outside a cluster: undefined', () => {
    assert.equal(inClusterApi({}), undefined);
    assert.equal(inClusterApi({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }), undefined);
  });
});
