import t from 'tap';
import { NO_SLOT_5, startResults } from '../../../src/api/resources/bulk-operation.js';
import { rebaseIssues } from '../../../src/api/resources/provisioning-change.js';

/** The pure parts of the organisation/groups API: issue paths as the caller wrote them, and bulk start results. */

t.test('provisioning issues read as fields of the request body', async (t) => {
  const prefix = 'voiceGroups[0].sites[0].lines[0]';
  t.same(
    rebaseIssues(
      [
        `${prefix}.dialInNumbers[1]: number 0312345678 already belongs to line x`,
        `${prefix}: number 0312345679 leaves its line but is still in bulk group B`,
        `${prefix}.password: is required for auth: digest (or ha1Md5 + ha1Sha256)`,
        'voiceGroups[0].sites[0].bulkGroups[0].members[1]: duplicate bulk group member 031 (also at voiceGroups[0].sites[0].bulkGroups[0].members[0])',
        'routing.peers[0].name: bad',
      ],
      prefix,
      'line',
    ),
    [
      'dialInNumbers[1]: number 0312345678 already belongs to line x',
      'line: number 0312345679 leaves its line but is still in bulk group B',
      'password: is required for auth: digest',
      'voiceGroups[0].sites[0].bulkGroups[0].members[1]: duplicate bulk group member 031 (also at voiceGroups[0].sites[0].bulkGroups[0].members[0])',
      'routing.peers[0].name: bad',
    ],
  );
  t.same(
    rebaseIssues(
      ['voiceGroups[0].sites[0].bulkGroups[0].members[1]: duplicate (also at voiceGroups[0].sites[0].bulkGroups[0].members[0])'],
      'voiceGroups[0].sites[0].bulkGroups[0]',
      'bulk group',
    ),
    ['members[1]: duplicate (also at members[0])'],
  );
  t.same(
    rebaseIssues(['voiceGroups[0].sites[0].lines[10].x: y'], 'voiceGroups[0].sites[0].lines[1]', 'line'),
    ['voiceGroups[0].sites[0].lines[10].x: y'],
    'a longer index is not the prefix',
  );
});

t.test('bulk start: members without a slot-5 destination are errors, in member order', async (t) => {
  const slot5 = new Map([
    ['0311110001', '0312348888'],
    ['0311110002', undefined],
  ]);
  t.same(startResults(['0311110002', '0311110001', '0311110003'], slot5), [
    { number: '0311110002', result: 'error', why: NO_SLOT_5 },
    { number: '0311110001', result: 'done' },
    { number: '0311110003', result: 'error', why: NO_SLOT_5 },
  ]);
  t.equal(NO_SLOT_5, 'no bulk forwarding destination in slot 5');
});
