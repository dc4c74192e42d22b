// The smallest server for bench:floor: answers each UDP datagram with a copy
// of it. With `redis` it first writes every second datagram to Redis (one SET,
// through ioredis with the softswitch's own write coalescing), as a
// registration is two REGISTERs and one store write. No SIP parsing: what this
// costs is what Node and the machine cost before any work of ours.
// Run by bench/floor.ts: node dist/bench/floor-server.js MODE UDP_PORT [REDIS_PORT]
import { Redis } from 'ioredis';
import dgram from 'node:dgram';
import { coalesceWrites } from '../src/store/write-coalescing.js';

const [mode, udpPort, redisPort] = process.argv.slice(2);
const redis = mode === 'redis' ? new Redis({ host: '127.0.0.1', port: Number(redisPort), maxRetriesPerRequest: 1 }) : undefined;
if (redis) coalesceWrites(redis);
const socket = dgram.createSocket('udp4');
let count = 0;
socket.on('message', (data, from) => {
  if (!redis || count++ % 2 === 0) {
    socket.send(data, from.port, from.address);
    return;
  }
  redis
    .set(`floor:${from.port}`, data)
    .then(() => socket.send(data, from.port, from.address))
    .catch((err: unknown) => process.stderr.write(`floor-server: ${String(err)}\n`));
});
socket.bind(Number(udpPort), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  socket.close();
  redis?.disconnect();
});
