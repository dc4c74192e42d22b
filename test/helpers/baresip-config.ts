import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './server-process.js';

/** One baresip account: a line of the softswitch, reached through it as outbound proxy. */
export interface BaresipAccount {
  /** The AOR user: the line's SIP-ID. */
  user: string;
  password: string;
  domain: string;
  /** The softswitch, used as outbound proxy (baresip's `outbound=`), so the domain needs no DNS. */
  proxy: { host?: string; port: number; transport?: 'udp' | 'tcp' };
  /** Answer incoming calls at once (default true). */
  autoAnswer?: boolean;
  /** Registration interval, s (default 600). */
  regint?: number;
  /** SIP Outbound (RFC 5626, baresip's `sipnat=outbound`): `+sip.instance` and `reg-id` in its Contact. */
  sipOutbound?: boolean;
}

/**
 * `config` and `accounts` in a fresh directory. Only the modules a headless
 * call needs; `net_interface` keeps every address it advertises on loopback.
 */
export function writeConfig(account: BaresipAccount, sipPort: number, controlPort: number): string {
  const dir = tempDir('ss-baresip-');
  const device = `bridge-${sipPort}`;
  const config = [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${sipPort}`,
    'net_interface 127.0.0.1',
    // Below the range test ports are handed out from (test/helpers/free-port.ts), so media never takes one.
    'rtp_ports 10000-19998',
    'call_local_timeout 20',
    'call_max_calls 2',
    `audio_player aubridge,${device}`,
    `audio_source aubridge,${device}`,
    `audio_alert aubridge,${device}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aubridge.so',
    // Makes the instance id `sipnat=outbound` needs (kept in the directory as `uuid`).
    'module_tmp uuid.so',
    'module_tmp account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${controlPort}`,
  ];
  const proxy = account.proxy;
  const outbound = `sip:${proxy.host ?? '127.0.0.1'}:${proxy.port}${proxy.transport === 'tcp' ? ';transport=tcp' : ''}`;
  const params = [
    `auth_pass=${account.password}`,
    `outbound="${outbound}"`,
    `regint=${account.regint ?? 600}`,
    `answermode=${account.autoAnswer === false ? 'manual' : 'auto'}`,
    'audio_codecs=pcmu',
    ...(account.sipOutbound ? ['sipnat=outbound'] : []),
  ];
  const aor = `<sip:${account.user}@${account.domain}${proxy.transport === 'tcp' ? ';transport=tcp' : ''}>`;
  writeFileSync(join(dir, 'config'), `${config.join('\n')}\n`);
  writeFileSync(join(dir, 'accounts'), `${aor};${params.join(';')}\n`);
  return dir;
}
