import { get } from './api.js';
import { field, h, textInput } from './dom.js';
import { formatTime } from './format.js';
import { t, type Key } from './i18n.js';
import { visibleSites, type Me, type Site } from './session.js';

interface LineRow {
  sipId: string;
  siteId: string;
  auth: 'digest' | 'ip';
  basicNumber: string;
  dialInNumbers: string[];
  registration: { status: 'registered' | 'not registered' | 'not applicable'; contacts: number; latestError?: { at: string; text: string } };
}

const ICONS = { registered: '✓', 'not registered': '✗', 'not applicable': '—' } as const;

/** Every line the account can see with its registration status and latest error; filtered by number or site. */
export async function linesPage(main: HTMLElement, me: Me): Promise<void> {
  main.append(h('h1', {}, t('lines.title')), h('p', { role: 'status' }, t('common.loading')));
  const sites = await visibleSites(me);
  const perSite = await Promise.all(sites.map((s) => get<LineRow[]>(`/sites/${encodeURIComponent(s.id)}/lines`)));
  const rows = perSite.flatMap((r) => (r.ok ? r.body : []));
  const siteName = new Map(sites.map((s) => [s.id, s.name]));

  const search = textInput('', { type: 'search', name: 'search', inputmode: 'search', autocomplete: 'off' });
  const tbody = h('tbody');
  const empty = h('p', { hidden: true }, t('lines.empty'));
  const render = () => {
    const q = search.value.replace(/[-\s()]/g, '').toLowerCase();
    const shown = rows.filter((r) => !q || matches(r, siteName.get(r.siteId) ?? '', q));
    tbody.replaceChildren(...shown.map((r) => lineRow(r, sites)));
    empty.hidden = shown.length > 0;
  };
  search.addEventListener('input', render);
  render();
  main.replaceChildren(
    h('h1', {}, t('lines.title')),
    h('form', { class: 'search', role: 'search', onsubmit: (ev: Event) => ev.preventDefault() }, field(t('lines.search'), search)),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'lines' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, t('lines.status')),
            h('th', { scope: 'col' }, t('lines.sipId')),
            h('th', { scope: 'col' }, t('common.site')),
            h('th', { scope: 'col' }, t('lines.numbers')),
            h('th', { scope: 'col' }, t('lines.latestError')),
          ),
        ),
        tbody,
      ),
    ),
    empty,
  );
}

function matches(r: LineRow, siteName: string, q: string): boolean {
  return (
    [r.basicNumber, ...r.dialInNumbers].some((n) => n.includes(q)) ||
    r.siteId.includes(q) ||
    siteName.toLowerCase().includes(q) ||
    r.sipId.toLowerCase().includes(q)
  );
}

function lineRow(r: LineRow, sites: Site[]): HTMLElement {
  const s = r.registration.status;
  const site = sites.find((x) => x.id === r.siteId);
  const err = r.registration.latestError;
  return h(
    'tr',
    { 'data-sipid': r.sipId },
    h(
      'td',
      { class: `status ${s.replace(' ', '-')}` },
      h('span', { 'aria-hidden': 'true', class: 'icon' }, ICONS[s]),
      h('span', { class: 'status-text' }, t(`status.${s}` as Key)),
    ),
    h('th', { scope: 'row' }, r.sipId),
    h('td', {}, site ? `${site.name} (${site.id})` : r.siteId),
    h('td', {}, h('ul', { class: 'plain' }, ...[r.basicNumber, ...r.dialInNumbers].map((n) => h('li', {}, h('a', { href: `#/numbers/${n}` }, n))))),
    h('td', {}, err ? [h('time', { datetime: err.at }, formatTime(err.at)), ' ', err.text] : t('common.none')),
  );
}
