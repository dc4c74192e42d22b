import t from 'tap';
import { sortBlockList } from '../../../src/api/resources/block-list.js';
import { blockedAddedTimes, decodeAddedTimes } from '../../../src/store/feature-store.js';

// Block-list add times (docs/product.md §4.1): how they follow a change of the list, how they read back, how they sort.

t.test('kept entries keep their time, new ones get now, removed ones go; unknown stays unknown', async (t) => {
  t.same(blockedAddedTimes([], {}, ['0611111111'], 5), { '0611111111': 5 });
  t.same(blockedAddedTimes(['0611111111', '0622222222'], { '0611111111': 1, '0622222222': 2 }, ['0622222222', '0633333333'], 9), {
    '0622222222': 2,
    '0633333333': 9,
  });
  t.same(blockedAddedTimes(['0611111111'], {}, ['0611111111', '0622222222'], 9), { '0622222222': 9 }, 'an entry stored before times were kept gets none');
  t.same(blockedAddedTimes(['0611111111'], { '0611111111': 1 }, [], 9), {});
});

t.test('stored times read defensively', async (t) => {
  t.same(decodeAddedTimes(undefined), {});
  t.same(decodeAddedTimes('not json'), {});
  t.same(decodeAddedTimes('[1,2]'), {});
  t.same(decodeAddedTimes('{"0611111111":5,"0622222222":"x"}'), { '0611111111': 5 });
});

t.test('sorting: by add time (unknown oldest, ties by number) or by number, either way round', async (t) => {
  const entries = [
    { number: '0633333333', addedAt: 20 },
    { number: '0611111111', addedAt: null },
    { number: '0622222222', addedAt: 10 },
    { number: '0644444444', addedAt: 10 },
  ];
  const numbers = (sort: 'addedAt' | 'number', order: 'asc' | 'desc') => sortBlockList(entries, sort, order).map((e) => e.number);
  t.same(numbers('addedAt', 'asc'), ['0611111111', '0622222222', '0644444444', '0633333333']);
  t.same(numbers('addedAt', 'desc'), ['0633333333', '0644444444', '0622222222', '0611111111']);
  t.same(numbers('number', 'asc'), ['0611111111', '0622222222', '0633333333', '0644444444']);
  t.same(numbers('number', 'desc'), ['0644444444', '0633333333', '0622222222', '0611111111']);
  t.equal(entries[0]!.number, '0633333333', 'the input is not reordered');
});
