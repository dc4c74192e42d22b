import t from 'tap';
import { ConnectionTable } from '../../../src/core/transport/connection-table.js';

t.test('finds a connection by id, else the latest from the same address and port', async (t) => {
  const table = new ConnectionTable<string>('tcp');
  const first = table.add('first', '127.0.0.1', 5070);
  const second = table.add('second', '127.0.0.1', 5070);
  t.equal(first.id, 'tcp-1');
  t.equal(second.id, 'tcp-2');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5070, connectionId: 'tcp-1' }), 'first', 'by id');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5070 }), 'second', 'latest by remote');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5070, connectionId: 'tcp-9' }), 'second', 'a gone id falls back to the remote');
  t.equal(table.find({ transport: 'TCP', address: '127.0.0.1', port: 5071 }), undefined);
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
