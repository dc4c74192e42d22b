// Subscribed options and defaults, edges (docs/product.md §4.4, §4.6): the option
// names, which option each feature field belongs to (the 403 names it),
// what subscribing forwarding or scheduled forwarding resets, and the
// settings a new number starts with.
import t from 'tap';
import { FIELD_OPTION, isOption, subscribedDefaults } from '../../../src/features/options.js';
import { defaultFeatures } from '../../../src/features/settings.js';
import { forwardingFeatures } from './call.js';

t.test('isOption: the eight option names, nothing else', async (t) => {
  for (const o of ['nuisance-blocking', 'forwarding', 'hunt-group', 'specific-presentation']) t.ok(isOption(o), o);
  for (const v of ['', 'Forwarding', 'voicemail', 3, null, undefined, ['forwarding']]) t.notOk(isOption(v), JSON.stringify(v));
});

t.test('each feature field names its option; presentation and the outgoing restriction are none', async (t) => {
  t.strictSame(FIELD_OPTION, {
    blockedCallers: 'nuisance-blocking',
    blockAnnouncementUri: 'nuisance-blocking',
    anonymousRejection: 'anonymous-rejection',
    internationalBar: 'international-bar',
    forwarding: 'forwarding',
    specificPresentation: 'specific-presentation',
  });
});

const stored = forwardingFeatures('0312345678', {
  enabled: true,
  unconditional: true,
  busy: true,
  noAnswer: true,
  unreachable: true,
  ringTime: 25,
  active: 2,
  destinations: ['0611111111', '0622222222', null, null, '0655555555'],
  schedule: [
    {
      days: [1],
      from: '09:00',
      to: '18:00',
      pattern: { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 15, active: 1 },
    },
  ],
});

t.test('newly subscribed forwarding: off, every trigger off, 15 s, slot 1, slots 1-4 empty, slot 5 kept', async (t) => {
  t.same(subscribedDefaults(stored, ['forwarding']).forwarding, {
    enabled: false,
    unconditional: false,
    busy: false,
    noAnswer: false,
    unreachable: false,
    ringTime: 15,
    active: 1,
    destinations: [null, null, null, null, '0655555555'],
    schedule: stored.forwarding.schedule,
  });
});

t.test('newly subscribed scheduled forwarding alone: only the schedule is emptied', async (t) => {
  t.same(subscribedDefaults(stored, ['scheduled-forwarding']).forwarding, { ...stored.forwarding, schedule: [] });
});

t.test('a new number: every feature off, present the number, ring 15 s from slot 1, no toll-free forwarding', async (t) => {
  t.strictSame(defaultFeatures('0312345678'), {
    number: '0312345678',
    blockedCallers: [],
    anonymousRejection: false,
    internationalBar: false,
    outgoingRestriction: false,
    presentation: 'present',
    tollFreeForwarding: false,
    forwarding: {
      enabled: false,
      unconditional: false,
      busy: false,
      noAnswer: false,
      unreachable: false,
      ringTime: 15,
      active: 1,
      destinations: [null, null, null, null, null],
      schedule: [],
    },
  });
});
