import { Writable } from 'node:stream';
import t from 'tap';
import { TrunkEvents, type TrunkStateEvent } from '../../../src/events/trunk-events.js';
import { createLogger } from '../../../src/log.js';

function setup() {
  const logged: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _e, done) {
        logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { events: new TrunkEvents(log, 'node-a', () => Date.UTC(2026, 10, 29, 1, 2, 3)), logged };
}

t.test('each change is logged under its event name, counted, and handed to listeners with id, time and node', async (t) => {
  const { events, logged } = setup();
  const heard: TrunkStateEvent[] = [];
  events.onEvent((e) => heard.push(e));
  events.report({ event: 'trunk.state', sipId: 'bob', state: 'not registered', previous: 'registered', reason: 'expired' });
  events.report({ event: 'peer.state', kind: 'peer', name: 'carrier-b', state: 'down', previous: 'up', reason: 'options', target: 'UDP 192.0.2.7:5060' });
  events.report({
    event: 'peer.state',
    kind: 'peer',
    name: 'carrier-b',
    state: 'up',
    previous: 'down',
    reason: 'options',
    target: 'UDP 192.0.2.7:5060',
    status: 200,
  });
  t.match(logged, [
    { event: 'trunk.state', sipId: 'bob', state: 'not registered', reason: 'expired', level: 'warn' },
    { event: 'peer.state', name: 'carrier-b', state: 'down', level: 'warn' },
    { event: 'peer.state', name: 'carrier-b', state: 'up', status: 200, level: 'info' },
  ]);
  t.same(events.counts, { 'trunk.state': { 'not registered': 1 }, 'peer.state': { down: 1, up: 1 } });
  t.equal(heard.length, 3);
  t.match(heard[0], { sipId: 'bob', at: '2026-11-29T01:02:03.000Z', node: 'node-a' });
  t.not(heard[0]!.id, heard[1]!.id, 'each event has its own id');
});

t.test('a listener that throws is logged and the others still hear the event', async (t) => {
  const { events, logged } = setup();
  const heard: string[] = [];
  events.onEvent(() => {
    throw new Error('broken listener');
  });
  events.onEvent((e) => heard.push(e.event));
  events.report({ event: 'trunk.state', sipId: 'bob', state: 'registered', previous: 'not registered', reason: 'registered' });
  t.same(heard, ['trunk.state']);
  t.ok(logged.some((l) => l.event === 'events.listener_failed'));
});
