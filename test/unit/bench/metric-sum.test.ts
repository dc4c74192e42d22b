import t from 'tap';
import { metricSum } from '../../../bench/lib/softswitch.js';

/** bench:register reads the node's merged /metrics to say how many REGISTERs were decided twice. */
const exposition = [
  '# HELP softswitch_registrations_total REGISTER requests by outcome.',
  '# TYPE softswitch_registrations_total counter',
  'softswitch_registrations_total{outcome="registered"} 1200',
  'softswitch_registrations_total{outcome="challenged"} 1250',
  'softswitch_registrations_total_created 1764460000',
  'softswitch_registration_retries_total 37',
  '',
].join('\n');

t.test('every series of the metric is summed, and only that metric', async (t) => {
  t.equal(metricSum(exposition, 'softswitch_registrations_total'), 2450, 'labelled series summed; _created and comments left out');
  t.equal(metricSum(exposition, 'softswitch_registration_retries_total'), 37, 'an unlabelled series');
  t.equal(metricSum(exposition, 'softswitch_registration'), 0, 'a prefix of a name is not the metric');
  t.equal(metricSum(exposition, 'softswitch_registrations_total', 'outcome="registered"'), 1200, 'one label value');
  t.equal(metricSum(exposition, 'softswitch_registrations_total', 'outcome="refused"'), 0, 'a label value with no series');
  t.equal(metricSum('', 'softswitch_registrations_total'), 0, 'absent: 0');
});
