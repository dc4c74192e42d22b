import t from 'tap';
import type { NameAddr } from '../../../src/core/messages/index.js';
import { applyRegister, type RegisterInput } from '../../../src/registrar/binding-rules.js';
import { BIG_COUNT, BIG_LIMIT, bigRegister, retainedBytes } from '../../helpers/heap.js';

/**
 * The node keeps a copy of each line's bindings (for the next REGISTER's
 * compare-and-set): a binding must hold its own strings, not slices of the
 * REGISTER it came from. Each case cuts one field from a 20 kB REGISTER and
 * gives the others as plain strings, so the field that keeps the text shows.
 */
const limits = { minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContacts: 3 };
const source = { transport: 'UDP' as const, address: '192.0.2.1', port: 5060, node: 'n1' };
const plain = (i: number): RegisterInput => ({
  contacts: [{ uri: `sip:line${i}@192.0.2.1:5060`, params: {} }],
  expiresHeader: '600',
  callId: `call-${i}`,
  cseq: 1,
  now: 1_000_000,
  template: { path: [], source },
});

/** The Contact of the big REGISTER, parsed as the registrar gets it. */
function contactsOf(i: number): NameAddr[] {
  const contacts = bigRegister(i).contacts();
  if (contacts === null || contacts === '*') throw new Error('no Contact');
  return contacts.slice();
}

const cases: Array<[string, (i: number) => RegisterInput]> = [
  ['the Contact URI (and the key made from it)', (i) => ({ ...plain(i), contacts: [{ uri: contactsOf(i)[0]!.uri, params: {} }] })],
  ['the instance and reg-id (and the key made from them)', (i) => ({ ...plain(i), contacts: contactsOf(i) })],
  ['the Call-ID', (i) => ({ ...plain(i), callId: bigRegister(i).headers.get('call-id')! })],
  ['the Path', (i) => ({ ...plain(i), template: { ...plain(i).template, path: bigRegister(i).headers.getList('path') } })],
  ['the User-Agent', (i) => ({ ...plain(i), template: { ...plain(i).template, userAgent: bigRegister(i).headers.get('user-agent')! } })],
];

for (const [field, make] of cases) {
  t.test(`a binding keeps ${field} without the REGISTER's text`, async (t) => {
    const kept = retainedBytes(BIG_COUNT, (i) => {
      const decision = applyRegister([], make(i), limits);
      if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
      return decision.bindings;
    });
    t.ok(kept < BIG_LIMIT, `${BIG_COUNT} bindings keep ${kept} bytes`);
  });
}
