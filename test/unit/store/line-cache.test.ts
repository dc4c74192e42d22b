import t from 'tap';
import { BoundedMap } from '../../../src/store/bounded-map.js';
import { LineCache } from '../../../src/store/line-cache.js';
import type { LineRecord } from '../../../src/store/line-store.js';
import type { ProvisioningChanges } from '../../../src/store/provisioning-changes.js';

const line = (sipId: string, ha1Md5: string): LineRecord => ({
  sipId,
  voiceGroupId: 'VG1',
  siteId: 'S1',
  channels: 2,
  auth: 'digest',
  ha1Md5,
  allowedAddresses: [],
  basicNumber: '0312345670',
  dialInNumbers: [],
});

/** A store whose records the test sets, counting reads; after `hold()` reads wait for `release()`. */
function fakeStore() {
  const records = new Map<string, LineRecord>();
  /** number → SIP-ID of its line. */
  const numbers = new Map<string, string>();
  /** canonical IP → SIP-ID of the line trusted there. */
  const addresses = new Map<string, string>();
  let gate: Promise<void> | undefined;
  let open = () => {};
  const store = {
    reads: 0,
    numberReads: 0,
    addressReads: 0,
    records,
    numbers,
    addresses,
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      open();
      gate = undefined;
    },
    async get(sipId: string): Promise<LineRecord | null> {
      store.reads++;
      const record = records.get(sipId) ?? null;
      if (gate) await gate;
      return record;
    },
    async sipIdOfNumber(number: string): Promise<string | null> {
      store.numberReads++;
      return numbers.get(number) ?? null;
    },
    async sipIdAtAddress(ip: string): Promise<string | null> {
      store.addressReads++;
      return addresses.get(ip) ?? null;
    },
  };
  return store;
}

function fakeChanges(live = true) {
  const listeners: Array<() => void> = [];
  const changes: ProvisioningChanges & { live: boolean; announce(): void } = {
    live,
    onChange: (l) => listeners.push(l),
    announce: () => listeners.forEach((l) => l()),
  };
  return changes;
}

t.test('a line is read once, then served from the copy', async (t) => {
  const store = fakeStore();
  store.records.set('alice', line('alice', 'old'));
  const cache = new LineCache(store, fakeChanges(), { maxEntries: 10, ttlMs: 60_000 });
  t.equal((await cache.get('alice'))?.ha1Md5, 'old');
  t.equal((await cache.get('alice'))?.ha1Md5, 'old');
  t.equal(store.reads, 1, 'one store read for two gets');
});

t.test('a provisioning change drops every copy at once (a new password counts immediately)', async (t) => {
  const store = fakeStore();
  const changes = fakeChanges();
  store.records.set('alice', line('alice', 'old'));
  const cache = new LineCache(store, changes, { maxEntries: 10, ttlMs: 60_000 });
  await cache.get('alice');
  store.records.set('alice', line('alice', 'new'));
  changes.announce();
  t.equal((await cache.get('alice'))?.ha1Md5, 'new', 'the next get reads the store again');
});

t.test('no copy is used while changes cannot be heard', async (t) => {
  const store = fakeStore();
  const changes = fakeChanges(false);
  store.records.set('alice', line('alice', 'old'));
  const cache = new LineCache(store, changes, { maxEntries: 10, ttlMs: 60_000 });
  await cache.get('alice');
  await cache.get('alice');
  t.equal(store.reads, 2, 'every get reads the store');
  changes.live = true;
  await cache.get('alice');
  await cache.get('alice');
  t.equal(store.reads, 3, 'copies are used once subscribed');
  changes.live = false;
  await cache.get('alice');
  t.equal(store.reads, 4, 'and not after the subscription is lost');
});

t.test('a read under way when a change is heard is not kept', async (t) => {
  const store = fakeStore();
  const changes = fakeChanges();
  store.records.set('alice', line('alice', 'old'));
  const cache = new LineCache(store, changes, { maxEntries: 10, ttlMs: 60_000 });
  store.hold();
  const pending = cache.get('alice');
  changes.announce(); // the change lands while the old record is on its way
  store.release();
  t.equal((await pending)?.ha1Md5, 'old', 'the caller gets what it read');
  store.records.set('alice', line('alice', 'new'));
  t.equal((await cache.get('alice'))?.ha1Md5, 'new', 'but the old record was not kept');
});

t.test('unknown SIP-IDs are not kept; copies expire after the ttl', async (t) => {
  let now = 0;
  const store = fakeStore();
  const cache = new LineCache(store, fakeChanges(), { maxEntries: 10, ttlMs: 1_000 }, () => now);
  t.equal(await cache.get('nobody'), null);
  t.equal(await cache.get('nobody'), null);
  t.equal(store.reads, 2, 'an unknown name is read each time');
  store.records.set('alice', line('alice', 'old'));
  await cache.get('alice');
  now = 999;
  await cache.get('alice');
  t.equal(store.reads, 3, 'a copy within the ttl is used');
  now = 1_000;
  await cache.get('alice');
  t.equal(store.reads, 4, 'an older one is read again');
});

t.test("a number's line: read once, then from the copies; dropped by a change; a number not ours read each time", async (t) => {
  const store = fakeStore();
  const changes = fakeChanges();
  store.records.set('alice', line('alice', 'old'));
  store.numbers.set('0312345670', 'alice');
  const cache = new LineCache(store, changes, { maxEntries: 10, numbers: 10, ttlMs: 60_000 });
  t.equal((await cache.ofNumber('0312345670'))?.sipId, 'alice');
  t.equal((await cache.ofNumber('0312345670'))?.sipId, 'alice');
  t.equal(store.numberReads, 1, 'which line holds the number: one read for two calls');
  t.equal(store.reads, 1, 'and the line itself one read');
  store.records.set('bob', line('bob', 'x'));
  store.numbers.set('0312345670', 'bob');
  changes.announce();
  t.equal((await cache.ofNumber('0312345670'))?.sipId, 'bob', 'a number moved to another line counts at once');
  t.equal(await cache.ofNumber('0399999999'), null, 'not ours');
  t.equal(await cache.ofNumber('0399999999'), null);
  t.equal(store.numberReads, 4, 'a number not ours is not kept');
});

t.test("the line at a source address: kept, nobody's kept apart, both dropped by a change", async (t) => {
  const store = fakeStore();
  const changes = fakeChanges();
  store.records.set('pbx', { ...line('pbx', ''), auth: 'ip', allowedAddresses: ['192.0.2.7'] });
  store.records.set('phone', line('phone', 'x'));
  store.addresses.set('192.0.2.7', 'pbx');
  store.addresses.set('192.0.2.8', 'phone'); // a key left over from when the line was IP-authenticated
  const cache = new LineCache(store, changes, { maxEntries: 10, addresses: 2, ttlMs: 60_000 });
  t.equal((await cache.byAddress('::ffff:192.0.2.7'))?.sipId, 'pbx', 'any textual form of the address');
  t.equal((await cache.byAddress('192.0.2.7'))?.sipId, 'pbx');
  t.equal(store.addressReads, 1, 'one read for two requests');
  t.equal(await cache.byAddress('192.0.2.8'), null, 'a digest line is never trusted by its address');
  t.equal(await cache.byAddress('not an address'), null, 'nor is a name');
  t.equal(store.addressReads, 2, 'a name is not looked up');
  t.equal(await cache.byAddress('198.51.100.1'), null);
  t.equal(await cache.byAddress('198.51.100.1'), null);
  t.equal(store.addressReads, 3, "an address that is nobody's is kept too");
  for (const a of ['198.51.100.2', '198.51.100.3', '198.51.100.4']) await cache.byAddress(a);
  t.equal((await cache.byAddress('192.0.2.7'))?.sipId, 'pbx');
  t.equal(store.addressReads, 6, "a flood of addresses that are nobody's does not push the trusted one out");
  await cache.byAddress('198.51.100.1');
  t.equal(store.addressReads, 7, "but pushes older nobody's addresses out (their own bound)");
  store.addresses.set('198.51.100.4', 'pbx');
  changes.announce();
  t.equal((await cache.byAddress('198.51.100.4'))?.sipId, 'pbx', "a change drops what was found to be nobody's: a new address counts at once");
  const none = new LineCache(store, changes, { maxEntries: 10, ttlMs: 60_000 });
  await none.byAddress('192.0.2.7');
  await none.byAddress('192.0.2.7');
  t.equal(store.addressReads, 10, 'without `addresses` every request reads');
});

t.test('BoundedMap drops the oldest entry at its bound', async (t) => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 3); // rewritten: now the youngest
  map.set('c', 4);
  t.equal(map.get('b'), undefined, 'b was the oldest');
  t.equal(map.get('a'), 3);
  t.equal(map.get('c'), 4);
  t.equal(map.size, 2);
  const none = new BoundedMap<string, number>(0);
  none.set('a', 1);
  t.equal(none.get('a'), undefined, 'a bound of 0 keeps nothing');
});
