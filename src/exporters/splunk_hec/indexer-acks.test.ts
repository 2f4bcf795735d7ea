// The ack bookkeeping on its own, driven by a query function that answers as HEC's /ack does;
// test/splunk-hec-exporter.test.ts runs it against the Collector's receiver and ack extension.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ExportError } from '../../pipeline/component.js';
import { IndexerAcks, type AckQuery } from './indexer-acks.js';

const settings = { enabled: true, query_interval: 5, timeout: 200, max_pending: 2 };

describe('IndexerAcks', () => {
  it('asks about every outstanding ackId at once until each is true', async () => {
    const asked: number[][] = [];
    const indexed = new Set<number>();
    const query: AckQuery = async (ids) => {
      asked.push([...ids]);
      return Object.fromEntries(ids.map((id) => [id, indexed.has(id)]));
    };
    const acks = new IndexerAcks(query, { ...settings, max_pending: 10 });
    await acks.slot();
    await acks.slot();
    const one = acks.wait(1);
    const two = acks.wait(2);
    indexed.add(2);
    assert.equal(await two, 'acknowledged');
    indexed.add(1);
    assert.equal(await one, 'acknowledged');
    assert.deepEqual(asked[0], [1, 2]);
    assert.deepEqual(asked.at(-1), [1]);
    assert.equal(acks.pending, 0);
  });

  it('gives up on an ackId after the timeout, and on one HEC hands out again', async () => {
    const acks = new IndexerAcks(async (ids) => Object.fromEntries(ids.map((id) => [id, false])), settings);
    await acks.slot();
    const lost = acks.wait(1);
    await acks.slot();
    const again = acks.wait(1); // the server's counter restarted
    assert.equal(await lost, 'superseded');
    assert.equal(await again, 'timed_out');
  });

  it('holds a request back while max_pending acks are awaited', async () => {
    let answer = false;
    const acks = new IndexerAcks(async (ids) => Object.fromEntries(ids.map((id) => [id, answer])), settings);
    await acks.slot();
    const first = acks.wait(1);
    await acks.slot();
    const second = acks.wait(2);
    let third = false;
    const slot = acks.slot().then(() => (third = true));
    await delay(30);
    assert.equal(third, false, 'no third request while two acks are awaited');
    answer = true;
    await Promise.all([first, second, slot]);
    assert.equal(third, true);
    acks.release();
  });

  it('fails the acks it asked about when the query is refused for good, and asks again after anything else', async () => {
    let calls = 0;
    const acks = new IndexerAcks(async () => {
      calls++;
      if (calls === 1) throw new ExportError('ECONNREFUSED', 'network down', { permanent: false });
      throw new ExportError('HEC_CODE_14', 'ACK is disabled', { permanent: true });
    }, settings);
    await acks.slot();
    await assert.rejects(acks.wait(1), /ACK is disabled/);
    assert.equal(calls, 2);
  });

  it('tells whoever waits at close that the ack never came', async () => {
    const acks = new IndexerAcks(async () => ({}), { ...settings, query_interval: 60_000 });
    await acks.slot();
    const waiting = acks.wait(3);
    acks.close();
    assert.equal(await waiting, 'timed_out');
  });
});
