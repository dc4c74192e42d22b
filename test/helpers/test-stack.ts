import { startTestRedis, type TestRedis } from './redis-server.js';
import { provision, ServerProcess, writeServerConfig, type ServerConfig, type ServerOptions } from './server-process.js';

/** The digest lines every test stack provisions (plus the IP-authenticated trunk gw1 at 127.0.0.9). */
export const TEST_LINES = {
  alice: { sipId: 'alice', password: 'alice-pass-123' },
  bob: { sipId: 'bob', password: 'bob-secret-456' },
  carol: { sipId: 'carol', password: 'carol-pw-789xyz' },
  dave: { sipId: 'dave', password: 'dave-pw-246abc' },
  erin: { sipId: 'erin', password: 'erin-pw-135qrs' },
};

export function testProvisioning(): unknown {
  const digest = Object.values(TEST_LINES).map((line, i) => ({
    sipId: line.sipId,
    password: line.password,
    auth: 'digest',
    channels: 2,
    basicNumber: `03123456${String(70 + i)}`,
  }));
  return {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Test',
        sites: [
          {
            id: '1000001',
            name: 'Site',
            lines: [...digest, { sipId: 'gw1', auth: 'ip', allowedAddresses: ['127.0.0.9'], channels: 2, basicNumber: '0612345678' }],
          },
        ],
      },
    ],
  };
}

/** A redis-server, one provisioned node on it, and one stop() for the teardown. */
export interface Stack {
  redis: TestRedis;
  config: ServerConfig;
  server: ServerProcess;
  stop(): Promise<void>;
}

export async function startStack(options: Omit<ServerOptions, 'redisUrl'> = {}): Promise<Stack> {
  const redis = await startTestRedis();
  try {
    const config = await writeServerConfig({ ...options, redisUrl: redis.url });
    await provision(config, testProvisioning());
    const server = await ServerProcess.start(config);
    return {
      redis,
      config,
      server,
      async stop() {
        await server.stop();
        await redis.stop();
      },
    };
  } catch (err) {
    await redis.stop();
    throw err;
  }
}
