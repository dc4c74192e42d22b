import t from 'tap';
import { formatInZone } from '../../src/time.js';

t.test('formats with the zone offset', async (t) => {
  const at = new Date('2026-11-21T01:11:52.750Z');
  t.equal(formatInZone(at, 'Asia/Tokyo'), '2026-11-21T10:11:52+09:00');
  t.equal(formatInZone(at, 'UTC'), '2026-11-21T01:11:52+00:00');
  t.equal(formatInZone(new Date('2026-07-01T12:00:00Z'), 'America/New_York'), '2026-07-01T08:00:00-04:00');
  t.equal(formatInZone(new Date('2026-11-21T23:30:00Z'), 'Asia/Kolkata'), '2026-11-22T05:00:00+05:30');
});
