import { get } from './api.js';
import { h } from './dom.js';
import { refusal } from './forms.js';
import { t } from './i18n.js';

interface Routing {
  peers: Array<{ name: string; addresses: string[]; hosts?: string[] }>;
  outboundRoutes: Array<{ name: string; prefix: string; target: string; transport?: string; priority?: number; weight?: number }>;
  emergencyRoutes: Array<{ name: string; areaCodes: string[]; target: string; transport?: string }>;
}

/** "sip.carrier.example (udp)"; a DNS name without transport is located by NAPTR/SRV: "(dns)". */
const targetText = (r: { target: string; transport?: string }): string => `${r.target} (${r.transport ?? 'dns'})`;

/** Operators: interconnect peers, outbound routes and the emergency routes per area (read only here; the API edits them). */
export async function routingPage(main: HTMLElement): Promise<void> {
  main.append(h('h1', {}, t('routing.title')));
  const res = await get<Routing>('/routing');
  if (!res.ok) return void main.append(h('p', { class: 'error', role: 'alert' }, refusal(res)));
  const r = res.body;
  const table = (head: string[], rows: string[][]) =>
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...head.map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((c) => h('td', {}, c))))),
      ),
    );
  main.append(
    h('h2', {}, t('routing.peers')),
    table(
      [t('routing.name'), t('routing.addresses')],
      r.peers.map((p) => [p.name, [...p.addresses, ...(p.hosts ?? [])].join(', ')]),
    ),
    h('h2', {}, t('routing.routes')),
    table(
      [t('routing.name'), t('routing.prefix'), t('routing.target')],
      r.outboundRoutes.map((o) => [
        o.name,
        o.prefix,
        `${targetText(o)}${o.priority !== undefined ? ` p${o.priority}` : ''}${o.weight !== undefined ? ` w${o.weight}` : ''}`,
      ]),
    ),
    h('h2', {}, t('routing.emergency')),
    table(
      [t('routing.name'), t('routing.areaCodes'), t('routing.target')],
      r.emergencyRoutes.map((e) => [e.name, e.areaCodes.join(', '), targetText(e)]),
    ),
  );
}
