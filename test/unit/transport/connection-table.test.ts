import t from 'tap';
import { ConnectionTable, workerOfConnection } from '../../../src/core/transport/connection-table.js';

t.test('finds a connection by id, else the latest from the same address and port', async (t) => {
  const table = new ConnectionTable<string>('tcp');
  const first = table.add('first', '127.0.0.1', 5070);
  const second = table.add('second', '127.0.0.1', 5070);
  t.match(first.id, /^tcp-[0-9a-f]{8}-1$/);
  t.equal(second.id, first.id.replace(/-1$/, '-2'));
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5070, connectionId: first.id }), 'first', 'by id');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5070 }), 'second', 'latest by remote');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5070, connectionId: 'tcp-9' }), 'second', 'a gone id falls back to the remote');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5071 }), undefined);
});

t.test('ids are unique to one run: a restarted process never hands out an id a stored binding names', async (t) => {
  const before = new ConnectionTable<string>('tcp').add('a', '127.0.0.1', 5070).id;
  const after = new ConnectionTable<string>('tcp');
  const reused = after.add('b', '127.0.0.1', 5071).id;
  t.not(reused, before, 'the first connection of the next run has another id');
  t.equal(after.find({ transport: 'TCP', address: '127.0.0.9', port: 9, connectionId: before }), undefined, 'the old id finds nothing');
});

t.test('a closed connection is forgotten, without hiding a newer one from the same remote', async (t) => {
  const table = new ConnectionTable<string>('ws');
  const old = table.add('old', '127.0.0.1', 5070);
  table.add('new', '127.0.0.1', 5070);
  old.forget();
  t.equal(table.size, 1);
  t.equal(table.get(old.id), undefined);
  t.equal(table.find({ transport: 'WS', address: '127.0.0.1', port: 5070 }), 'new');
  table.clear();
  t.equal(table.size, 0);
});

t.test('a worker of several names itself in its connection ids; a lone process names none', async (t) => {
  const id = new ConnectionTable<string>('tcp', 2).add('a', '127.0.0.1', 5070).id;
  t.match(id, /^tcp-[0-9a-f]{8}w2-1$/);
  t.equal(workerOfConnection(id), 2);
  t.equal(workerOfConnection(new ConnectionTable<string>('ws', 13).add('a', '127.0.0.1', 5070).id), 13);
  t.equal(workerOfConnection(new ConnectionTable<string>('tls', 3).add('a', '127.0.0.1', 5070).id), 3, 'TLS too');
  t.equal(workerOfConnection(new ConnectionTable<string>('wss', 4).add('a', '127.0.0.1', 5070).id), 4, 'WSS too');
  t.equal(workerOfConnection(new ConnectionTable<string>('tcp').add('a', '127.0.0.1', 5070).id), undefined);
  t.equal(workerOfConnection('tcp-zz12w2-1'), undefined, 'not an id of ours');
  t.equal(workerOfConnection(''), undefined);
});
