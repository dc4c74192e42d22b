import { get } from './api.js';
import { field, h, textInput } from './dom.js';
import { formatTime, startOfDay } from './format.js';
import { message, refusal } from './forms.js';
import { t } from './i18n.js';
import type { Me } from './session.js';

interface Entry {
  id: string;
  at: string;
  account: string;
  role: string;
  target: { kind: string; id: string };
  action: string;
  before: unknown;
  after: unknown;
}

/** The settings history the account may read, filtered by number, site and dates (service time zone). */
export async function historyPage(main: HTMLElement, me: Me): Promise<void> {
  const number = textInput(me.role === 'number-user' ? (me.number ?? '') : '', {
    name: 'number',
    inputmode: 'tel',
    ...(me.role === 'number-user' ? { readonly: true } : {}),
  });
  const site = textInput(me.role === 'site-admin' ? (me.siteId ?? '') : '', { name: 'site', inputmode: 'numeric' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card filters', novalidate: true },
    field(t('common.number'), number, 'number'),
    me.role !== 'number-user' ? field(t('common.site'), site, 'site') : null,
    field(t('history.from'), from, 'from'),
    field(t('history.to'), to, 'to'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('history.filter'))),
  );
  const load = async () => {
    const q = new URLSearchParams();
    if (number.value.trim()) q.set('number', number.value.trim());
    if (site.value.trim() && me.role !== 'number-user') q.set('site', site.value.trim());
    if (from.value) q.set('from', startOfDay(from.value));
    if (to.value) q.set('to', startOfDay(to.value, 1));
    const res = await get<Entry[]>(`/history?${q}`);
    if (!res.ok) return message(out, 'error', refusal(res));
    if (!res.body.length) return message(out, 'ok', t('history.empty'));
    out.replaceChildren(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'history' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[t('common.when'), t('common.account'), t('history.target'), t('common.change'), t('history.before'), t('history.after')].map((x) =>
                h('th', { scope: 'col' }, x),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            ...res.body.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, h('time', { datetime: e.at }, formatTime(e.at))),
                h('td', {}, e.account),
                h('td', {}, `${e.target.kind} ${e.target.id}`),
                h('td', {}, e.action),
                h('td', {}, h('code', {}, JSON.stringify(e.before))),
                h('td', {}, h('code', {}, JSON.stringify(e.after))),
              ),
            ),
          ),
        ),
      ),
    );
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  main.append(h('h1', {}, t('history.title')), form, out);
  await load();
}
