import t from 'tap';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import type { Peer } from '../../../src/features/settings.js';
import { admitCaller, type CallerSources } from '../../../src/routing/caller.js';
import type { LineRecord } from '../../../src/store/line-store.js';

/** admitCaller's trusted-address half: the IP trunk and the peer at the source address, asked for together. */
const ADDRESS = '192.0.2.10';
const trunk = { sipId: 'gw', auth: 'ip' } as LineRecord;
const peer = { name: 'pstn', addresses: [ADDRESS] } as unknown as Peer;
const request = { source: { address: ADDRESS, port: 5060 } } as unknown as IncomingRequest;

/** Sources whose look-ups answer only after both were asked, logging the order. */
function sources(line: () => LineRecord | null, found: () => Peer | null) {
  const order: string[] = [];
  const later = async <T>(name: string, value: () => T): Promise<T> => {
    order.push(`ask ${name}`);
    await Promise.resolve();
    order.push(`answer ${name}`);
    return value();
  };
  const s = {
    lines: { byAddress: () => later('trunk', line) },
    peerByAddress: () => later('peer', found),
  } as unknown as CallerSources;
  return { sources: s, order };
}

t.test('the trunk and the peer at the address are asked for before either answers (one round trip)', async (t) => {
  const { sources: s, order } = sources(
    () => null,
    () => peer,
  );
  t.same(await admitCaller(request, s), { ok: true, caller: { kind: 'peer', peer } });
  t.same(order.slice(0, 2), ['ask trunk', 'ask peer']);
});

t.test('an IP trunk at the address comes first, even when a peer is there too or its look-up failed', async (t) => {
  t.same(
    await admitCaller(
      request,
      sources(
        () => trunk,
        () => peer,
      ).sources,
    ),
    { ok: true, caller: { kind: 'line', line: trunk, via: 'ip' } },
  );
  const failing = sources(
    () => trunk,
    () => {
      throw new Error('peer store down');
    },
  );
  t.same(await admitCaller(request, failing.sources), { ok: true, caller: { kind: 'line', line: trunk, via: 'ip' } }, 'the peer failure does not matter');
});

t.test('a failed look-up with no trunk found fails the admission, as before', async (t) => {
  const failingPeer = sources(
    () => null,
    () => {
      throw new Error('peer store down');
    },
  );
  await t.rejects(admitCaller(request, failingPeer.sources), /peer store down/);
  const failingTrunk = sources(
    () => {
      throw new Error('line store down');
    },
    () => peer,
  );
  await t.rejects(admitCaller(request, failingTrunk.sources), /line store down/, 'the trunk look-up failing fails it even with a peer there');
});
