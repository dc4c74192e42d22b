import t from 'tap';
import { serverTransactionKey } from '../../../src/core/transactions/transaction-key.js';
import { BIG_COUNT, BIG_LIMIT, bigRegister, retainedBytes } from '../../helpers/heap.js';

t.test('a server transaction key does not keep its request: a completed transaction keeps the key 32 s', async (t) => {
  const keys = retainedBytes(BIG_COUNT, (i) => {
    const request = bigRegister(i);
    return serverTransactionKey(request, request.topVia()!, request.headers.get('call-id')!, 1);
  });
  t.ok(keys < BIG_LIMIT, `${BIG_COUNT} keys keep ${keys} bytes`);
  const rfc2543 = retainedBytes(BIG_COUNT, (i) => {
    const request = bigRegister(i);
    const via = { ...request.topVia()!, params: { branch: `old-${i}` } };
    return serverTransactionKey(request, via, request.headers.get('call-id')!, 1);
  });
  t.ok(rfc2543 < BIG_LIMIT, `the RFC 2543 form too: ${rfc2543} bytes`);
});
