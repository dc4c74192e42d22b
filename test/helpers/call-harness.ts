import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Redis } from 'ioredis';
import { FeatureStore } from '../../src/store/feature-store.js';
import { createLogger } from '../../src/log.js';
import { createRedis } from '../../src/store/redis.js';
import { freePort } from './free-port.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { provision, ServerProcess, writeServerConfig, type ServerConfig, type ServerOptions } from './server-process.js';
import { describeSipp, receivedMessages, runSipp, type SippOptions, type SippResult } from './sipp.js';

/**
 * Call-routing integration tests: a real redis-server, one or more real
 * softswitch nodes on it, and SIPp playing customer trunks (callers and
 * callees) and carrier peers. A callee trunk registers from a fixed port
 * (register-auth.xml) and then answers from that same port with a UAS
 * scenario, because SIPp ties one scenario to one Call-ID.
 */

export const DOMAIN = 'test.example';
/** SIPp runs that wait through a ring time need more than the default 3 s per receive. */
const RECV_TIMEOUT_MS = 12_000;

export interface Trunk {
  sipId: string;
  password: string;
  /** Local port SIPp registers and answers from. */
  port: number;
}

export interface CallStack {
  redis: TestRedis;
  configs: ServerConfig[];
  nodes: ServerProcess[];
  /** Reads counters the way the management side will (same keys, same prefix). */
  features: FeatureStore;
  provision(document: unknown): Promise<void>;
  /** One more node on the same Redis, with the base config plus `options` only (not the stack's own options). */
  addNode(nodeId: string, options?: Partial<ServerOptions>): Promise<ServerProcess>;
  stop(): Promise<void>;
}

const KEY_PREFIX = 'call:';

/** What a call stack's nodes run besides SIP: the management API (operator `operator`, API_PASSWORD), call-record settings, more config sections. */
export interface CallStackOptions extends Pick<ServerOptions, 'drainSeconds' | 'bans' | 'cdr' | 'extra' | 'announcements' | 'algorithms'> {
  api?: boolean;
}

/** The operator password of a call stack's API. */
export const API_PASSWORD = 'Operator2026';

/** A Redis, `nodes` softswitch nodes sharing it, the document provisioned; stopped by the test's teardown. */
export async function startCallStack(document: unknown, nodes = 1, options: CallStackOptions = {}): Promise<CallStack> {
  const redis = await startTestRedis();
  const started: ServerProcess[] = [];
  let client: Redis | undefined;
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    client?.disconnect();
    await redis.stop();
  };
  t.teardown(stop);
  const { api, ...serverOptions } = options;
  /** What every node has; the stack's options apply to its own nodes, not to one added later (addNode). */
  const base = (nodeId: string): ServerOptions => ({ redisUrl: redis.url, nodeId, keyPrefix: KEY_PREFIX, domain: DOMAIN, algorithms: ['MD5', 'SHA-256'] });
  const configs: ServerConfig[] = [];
  for (let i = 0; i < nodes; i++) {
    const node = { ...base(`node-${String.fromCharCode(97 + i)}`), ...serverOptions };
    configs.push(await writeServerConfig({ ...node, ...(api ? { api: { port: await freePort(), operatorPassword: API_PASSWORD } } : {}) }));
  }
  await provision(configs[0]!, document);
  for (const config of configs) started.push(await ServerProcess.start(config));
  client = createRedis(redis.url, KEY_PREFIX, createLogger('silent'));
  return {
    redis,
    configs,
    nodes: started,
    features: new FeatureStore(client),
    async provision(doc) {
      await provision(configs[0]!, doc);
    },
    async addNode(nodeId, more = {}) {
      const node = await ServerProcess.start(await writeServerConfig({ ...base(nodeId), ...more }));
      started.push(node);
      return node;
    },
    stop,
  };
}

/** A digest trunk with its own SIPp port. */
export async function trunk(sipId: string, password: string): Promise<Trunk> {
  return { sipId, password, port: await freePort() };
}

/** Register the trunk's SIPp port as its contact (through `node`). */
export async function registerTrunk(node: ServerProcess, line: Trunk): Promise<void> {
  const result = await runSipp({
    scenario: 'register-auth.xml',
    target: { port: node.port },
    localPort: line.port,
    injection: [[line.sipId, line.password, DOMAIN]],
  });
  if (result.code !== 0) throw new Error(`registering ${line.sipId} failed: ${JSON.stringify(describeSipp(result))}`);
}

export type CalleeScenario =
  | 'call-callee.xml'
  | 'call-callee-busy.xml'
  | 'call-callee-480.xml'
  | 'call-callee-ring.xml'
  | 'call-callee-silent.xml'
  | 'call-callee-decline.xml'
  | 'call-callee-503.xml'
  | 'call-callee-session.xml';

/** A SIPp UAS running in the background, ready (its port bound) when this resolves. */
export interface Callee {
  done: Promise<SippResult>;
  finished(): boolean;
  /** Kill it (a UAS that is not going to get its call). */
  stop(): void;
}

/**
 * Answer one call on the trunk's port (or on `at` for a carrier peer or an
 * IP trunk) with a callee scenario.
 */
export async function answer(
  node: ServerProcess,
  scenario: CalleeScenario,
  at: { port: number; ip?: string },
  keys: Record<string, string> = {},
  timeoutSec = 20,
): Promise<Callee> {
  let finished = false;
  const abort = new AbortController();
  const options: SippOptions = {
    signal: abort.signal,
    scenario,
    target: { port: node.port },
    localPort: at.port,
    calls: 1,
    timeoutSec,
    recvTimeoutMs: RECV_TIMEOUT_MS,
    keys,
    ...(at.ip ? { localIp: at.ip } : {}),
  };
  const done = runSipp(options).finally(() => {
    finished = true;
  });
  await waitUdpBound(at.ip ?? '127.0.0.1', at.port, () => finished);
  if (finished) throw new Error(`callee SIPp exited before taking a call: ${JSON.stringify(describeSipp(await done))}`);
  return { done, finished: () => finished, stop: () => abort.abort() };
}

export interface CallOptions {
  /** Request-URI user part (may carry 184/186). */
  called: string;
  /** The From number (defaults to the line's basic number given as `from`). */
  from: string;
  /** Final status the caller must get, or the scenario fails. */
  expect: number;
  /** How long an answered call lasts before the BYE, ms. */
  holdMs?: number;
  /** Kills the caller's SIPp (a call the test leaves up). */
  signal?: AbortSignal;
}

/**
 * The digest uri SIPp must use (it prepends `sip:`): the Request-URI of
 * call-caller*.xml, `sip:[field2]@[field4]`. Left alone, SIPp puts its target
 * address there, which the server refuses (the uri must be the Request-URI).
 */
function calledUri(called: string): string {
  return `${called}@${DOMAIN}`;
}

/** A call from a digest trunk (407, then authenticated); resolves when SIPp exits. */
export function callFrom(node: ServerProcess, line: Trunk, call: CallOptions): Promise<SippResult> {
  return runSipp({
    scenario: 'call-caller-expect.xml',
    target: { port: node.port },
    timeoutSec: 25,
    recvTimeoutMs: RECV_TIMEOUT_MS,
    authUri: calledUri(call.called),
    injection: [[line.sipId, line.password, call.called, call.from, DOMAIN]],
    keys: { expect: String(call.expect), hold: String(call.holdMs ?? 100) },
    ...(call.signal ? { signal: call.signal } : {}),
  });
}

export interface TrustedCallOptions {
  /** Source address the server trusts (a peer's or an IP trunk's). */
  ip: string;
  called: string;
  /** From name-addr without tag. */
  from: string;
  privacy?: string;
  /** One whole header line (a PAI, a pre-loaded Route), or nothing. */
  extraHeader?: string;
  expect: number;
  holdMs?: number;
}

/** A call from a trusted address (no challenge). */
export function callFromTrusted(node: ServerProcess, call: TrustedCallOptions): Promise<SippResult> {
  return runSipp({
    scenario: 'call-caller-trusted.xml',
    target: { port: node.port },
    localIp: call.ip,
    timeoutSec: 25,
    recvTimeoutMs: RECV_TIMEOUT_MS,
    keys: {
      called: call.called,
      domain: DOMAIN,
      from: call.from,
      privacy: call.privacy ?? 'none',
      extra: call.extraHeader ?? 'X-None: 1',
      expect: String(call.expect),
      hold: String(call.holdMs ?? 100),
    },
  });
}

/** A call that hangs up after `holdMs` of ringing. */
export function callAndCancel(node: ServerProcess, line: Trunk, call: { called: string; from: string; holdMs: number }): Promise<SippResult> {
  return runSipp({
    scenario: 'call-caller-cancel.xml',
    target: { port: node.port },
    timeoutSec: 25,
    recvTimeoutMs: RECV_TIMEOUT_MS,
    authUri: calledUri(call.called),
    injection: [[line.sipId, line.password, call.called, call.from, DOMAIN]],
    keys: { hold: String(call.holdMs) },
  });
}

/** The first received INVITE (the one offered to a callee). */
export function receivedInvite(result: SippResult): string | undefined {
  return receivedMessages(result).find((m) => m.startsWith('INVITE '));
}

/** A header's values in a message text (case-insensitive name; compact forms not handled: the server writes full names). */
export function headerValues(message: string | undefined, name: string): string[] {
  if (!message) return [];
  const head = message.split('\r\n\r\n')[0]!;
  const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'gim');
  return [...head.matchAll(re)].map((m) => m[1]!.trim());
}

/** The Request-URI of a request text. */
export function requestUri(message: string | undefined): string | undefined {
  return message ? /^\w+ (\S+) SIP\/2\.0/.exec(message)?.[1] : undefined;
}

/** Marks on every node, to look only at what a test case logged. */
export function marks(nodes: ServerProcess[]): number[] {
  return nodes.map((n) => n.mark());
}

/** The Call-ID SIPp used for its (single) call, from its message log. */
export function sippCallId(result: SippResult): string | undefined {
  return /^Call-ID:\s*(\S+)/im.exec(result.messages)?.[1];
}

/** Waits until something holds the UDP port (SIPp bound it), or `gaveUp()`; bounded. */
async function waitUdpBound(address: string, port: number, gaveUp: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp()) {
    if (udpBound(address, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (!gaveUp()) throw new Error(`SIPp did not bind ${address}:${port} within ${timeoutMs} ms`);
}

/**
 * Whether a UDP socket is bound to address:port, read from the kernel's table
 * (/proc/net/udp) rather than by trying to bind it: a probe that binds, even
 * for a moment, makes SIPp's own bind fail when the two coincide (which failed
 * CI runs under load).
 */
function udpBound(address: string, port: number): boolean {
  const hexAddress = address
    .split('.')
    .map((octet) => Number(octet).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const table = readFileSync('/proc/net/udp', 'utf8');
  return table
    .split('\n')
    .slice(1)
    .some((row) => {
      const local = row.trim().split(/\s+/)[1];
      return local === `${hexAddress}:${hexPort}` || local === `00000000:${hexPort}`;
    });
}

/**
 * Waits until the server has logged the call's `call.outcome` (its last line
 * for a call). Log lines arrive in order through a pipe, so afterwards every
 * earlier event of that call is in `node.lines` and may be checked, present
 * or absent.
 */
export async function settled(node: ServerProcess, since: number, result: SippResult): Promise<string> {
  const callId = sippCallId(result);
  if (!callId) throw new Error('the SIPp run has no Call-ID to wait for');
  await node.waitForEvent('call.outcome', { since, where: (l) => l.callId === callId });
  return callId;
}
