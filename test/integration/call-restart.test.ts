import net from 'node:net';
import t from 'tap';
import { callFrom, DOMAIN, registerTrunk, startCallStack, trunk } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { ServerProcess } from '../helpers/server-process.js';

/**
 * A node restarts while a PBX is registered over TCP (docs/product.md §3.2).
 * Its binding survives in Redis, but the connection it names is gone. The
 * first TCP connection after the restart (another customer's) must not be
 * taken for it: calls to the first PBX go to its Contact, and the event says
 * its connection is gone.
 */
const ALICE = '0312340041';
const PBX_A = '0312340042';
const PBX_B = '0312340043';
const alice = await trunk('rs-alice', 'alice-pass-741');
const lineA = { sipId: 'rs-pbx-a', password: 'pbx-a-pass-742' };
const lineB = { sipId: 'rs-pbx-b', password: 'pbx-b-pass-743' };
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VGR',
      name: 'Restart',
      sites: [
        {
          id: '1000041',
          name: 'Site',
          lines: [
            { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 4, basicNumber: ALICE },
            { sipId: lineA.sipId, password: lineA.password, auth: 'digest', channels: 4, basicNumber: PBX_A },
            { sipId: lineB.sipId, password: lineB.password, auth: 'digest', channels: 4, basicNumber: PBX_B },
          ],
        },
      ],
    },
  ],
});

async function registerOverTcp(node: ServerProcess, line: { sipId: string; password: string }, contactPort: number): Promise<RawSipClient> {
  const client = await RawSipClient.open('tcp', { port: node.port });
  t.teardown(() => client.close());
  const ua = new DigestUa(client, { user: line.sipId, password: line.password, domain: DOMAIN });
  const ok = await ua.register({ contacts: [`<sip:${line.sipId}@127.0.0.1:${contactPort};transport=tcp>`], expires: 600 });
  if (ok.status !== 200) throw new Error(`${line.sipId} could not register: ${ok.status}`);
  return client;
}

t.test("after a restart, a call to a TCP PBX never reaches another customer's new connection; its Contact is tried", async (t) => {
  const before = stack.nodes[0]!;
  await registerTrunk(before, alice);
  let contactConnections = 0;
  const contactServer = net.createServer((socket) => {
    contactConnections++;
    socket.destroy();
  });
  const contactPort = await freePort();
  await new Promise<void>((resolve) => contactServer.listen(contactPort, '127.0.0.1', resolve));
  t.teardown(() => contactServer.close());
  await registerOverTcp(before, lineA, contactPort); // the node's first TCP connection

  await before.stop();
  const node = await ServerProcess.start(stack.configs[0]!);
  t.teardown(() => node.stop());
  const pbxB = await registerOverTcp(node, lineB, await freePort()); // the first TCP connection of the new run
  const since = pbxB.received.length;
  const mark = node.mark();

  await callFrom(node, alice, { called: PBX_A, from: ALICE, expect: 480 });
  t.notOk(
    pbxB.received.slice(since).some((m) => !m.isResponse && m.method === 'INVITE'),
    "PBX B's connection got no INVITE meant for PBX A",
  );
  t.ok(contactConnections >= 1, "PBX A's Contact was tried");
  t.match(node.events('call.flow_gone', mark), [{ sipId: lineA.sipId, transport: 'TCP', tried: 'contact' }], 'the lost connection is logged');
});
