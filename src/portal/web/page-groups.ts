import { call, get } from './api.js';
import { field, h, select, textInput } from './dom.js';
import { message, refusal, showIssues } from './forms.js';
import { t, type Key } from './i18n.js';
import { may, visibleSites, type Me } from './session.js';

interface BulkGroup {
  id: string;
  siteId: string;
  name: string;
  state: 'stopped' | 'starting' | 'started' | 'stopping';
  members: string[];
}
interface BulkResult extends BulkGroup {
  results: Array<{ number: string; result: 'done' | 'error'; why?: string }>;
}
interface HuntGroup {
  id: string;
  siteId: string;
  pilot: string;
  members: string[];
  mode: 'sequential' | 'round-robin';
  presentation: 'pilot' | 'own';
}

/** Bulk forwarding groups of every visible site: state, members, start / stop with the result per number. */
export async function bulkPage(main: HTMLElement, me: Me): Promise<void> {
  main.append(h('h1', {}, t('bulk.title')), h('p', {}, t('bulk.hint')));
  const sites = await visibleSites(me);
  const groups = (await Promise.all(sites.map((s) => get<BulkGroup[]>(`/sites/${s.id}/bulk-groups`)))).flatMap((r) => (r.ok ? r.body : []));
  if (!groups.length) return void main.append(h('p', {}, t('bulk.empty')));
  for (const g of groups) main.append(bulkCard(g, may(me, 'bulk-forwarding')));
}

/** A group's card; start and stop only for an account that may edit bulk forwarding. */
function bulkCard(g: BulkGroup, canEdit: boolean): HTMLElement {
  const results = h('div', { class: 'messages', 'aria-live': 'polite' });
  const state = h('span', { class: `state ${g.state}` }, t(`state.${g.state}` as Key));
  const act = (op: 'start' | 'stop') => async () => {
    const res = await call<BulkResult>('POST', `/bulk-groups/${encodeURIComponent(g.id)}/${op}`);
    if (!res.ok) return message(results, 'error', res.status === 409 ? String(res.body?.message ?? '') : refusal(res));
    g.state = res.body.state;
    state.className = `state ${g.state}`;
    state.textContent = t(`state.${g.state}` as Key);
    startBtn.disabled = !canEdit || g.state !== 'stopped';
    stopBtn.disabled = !canEdit || g.state !== 'started';
    results.replaceChildren(
      h('h3', {}, t('bulk.results')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'results' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('common.number')), h('th', { scope: 'col' }, t('common.result')))),
          h(
            'tbody',
            {},
            ...res.body.results.map((r) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, r.number),
                h('td', { class: r.result }, r.result === 'done' ? `✓ ${t('bulk.done')}` : `✗ ${t('bulk.error')}: ${r.why ?? ''}`),
              ),
            ),
          ),
        ),
      ),
    );
  };
  const startBtn = h('button', { type: 'button', onclick: act('start'), disabled: !canEdit || g.state !== 'stopped' }, t('bulk.start'));
  const stopBtn = h('button', { type: 'button', onclick: act('stop'), disabled: !canEdit || g.state !== 'started' }, t('bulk.stop'));
  return h(
    'section',
    { class: 'card bulk', 'data-group': g.id },
    h('h2', {}, `${g.name} (${g.id})`),
    h('p', {}, `${t('common.site')}: ${g.siteId} — ${t('common.state')}: `, state),
    h('p', {}, `${t('common.members')}: ${g.members.join(', ')}`),
    h('div', { class: 'actions' }, startBtn, stopBtn),
    results,
  );
}

/** Hunt groups of every visible site; edit one or create a new one (PUT with If-Match when it exists). */
export async function huntPage(main: HTMLElement, me: Me): Promise<void> {
  main.append(h('h1', {}, t('hunt.title')));
  const sites = await visibleSites(me);
  const groups = (await Promise.all(sites.map((s) => get<HuntGroup[]>(`/sites/${s.id}/hunt-groups`)))).flatMap((r) => (r.ok ? r.body : []));
  const editorBox = h('div');
  const edit = async (g: HuntGroup | null) => {
    const current = g ? await get<HuntGroup>(`/hunt-groups/${encodeURIComponent(g.id)}`) : null;
    editorBox.replaceChildren(
      huntEditor(
        current?.ok ? current.body : null,
        current?.etag ?? null,
        sites.map((s) => s.id),
        me.may.actions.includes('hunt-group-contract'),
        () => void refresh(),
      ),
    );
    editorBox.querySelector<HTMLElement>('input, select')?.focus();
  };
  const refresh = async () => {
    main.replaceChildren();
    await huntPage(main, me);
  };
  main.append(
    groups.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[t('hunt.id'), t('common.site'), t('hunt.pilot'), t('common.members'), t('hunt.mode'), ''].map((x) => h('th', { scope: 'col' }, x)),
              ),
            ),
            h(
              'tbody',
              {},
              ...groups.map((g) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, g.id),
                  h('td', {}, g.siteId),
                  h('td', {}, g.pilot),
                  h('td', {}, g.members.join(', ')),
                  h('td', {}, t(g.mode === 'sequential' ? 'hunt.sequential' : 'hunt.roundRobin')),
                  h(
                    'td',
                    {},
                    // View-only accounts read the groups; only those who may edit get the button.
                    ...(may(me, 'hunt-group')
                      ? [
                          h(
                            'button',
                            { type: 'button', class: 'secondary', 'aria-label': `${t('hunt.edit')} ${g.id}`, onclick: () => void edit(g) },
                            t('hunt.edit'),
                          ),
                        ]
                      : []),
                  ),
                ),
              ),
            ),
          ),
        )
      : h('p', {}, t('hunt.empty')),
    // Creating a hunt group (and choosing its pilot) is a contract item: offered to the operator only.
    ...(me.may.actions.includes('hunt-group-contract') ? [h('button', { type: 'button', onclick: () => void edit(null) }, t('hunt.new'))] : []),
    editorBox,
  );
}

function huntEditor(g: HuntGroup | null, etag: string | null, siteIds: string[], mayChangePilot: boolean, saved: () => void): HTMLElement {
  const id = textInput(g?.id ?? '', { name: 'id', required: true, ...(g ? { readonly: true } : {}) });
  const site = select(
    siteIds.map((s) => [s, s]),
    g?.siteId ?? siteIds[0] ?? '',
    { name: 'siteId', ...(g ? { disabled: true } : {}) },
  );
  const pilot = textInput(g?.pilot ?? '', { name: 'pilot', inputmode: 'tel', ...(mayChangePilot ? {} : { readonly: true }) });
  const members = h('textarea', { name: 'members', rows: 4 });
  members.value = (g?.members ?? []).join('\n');
  const mode = select(
    [
      ['sequential', t('hunt.sequential')],
      ['round-robin', t('hunt.roundRobin')],
    ],
    g?.mode ?? 'sequential',
    { name: 'mode' },
  );
  const pres = select(
    [
      ['pilot', t('hunt.presPilot')],
      ['own', t('hunt.presOwn')],
    ],
    g?.presentation ?? 'pilot',
    { name: 'presentation' },
  );
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    h('h2', {}, g ? `${t('hunt.edit')} ${g.id}` : t('hunt.new')),
    box,
    field(t('hunt.id'), id, 'id'),
    field(t('common.site'), site, 'siteId'),
    field(t('hunt.pilot'), pilot, 'pilot'),
    field(t('hunt.members'), members, 'members'),
    field(t('hunt.mode'), mode, 'mode'),
    field(t('hunt.presentation'), pres, 'presentation'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.save'))),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.replaceChildren();
    const body = {
      siteId: site.value,
      pilot: pilot.value.trim(),
      members: members.value.split(/[\s,]+/).filter(Boolean),
      mode: mode.value,
      presentation: pres.value,
    };
    const res = await call('PUT', `/hunt-groups/${encodeURIComponent(id.value.trim())}`, { json: body, ifMatch: etag });
    if (res.ok) return saved();
    message(box, 'error', refusal(res));
    if (res.status === 400) showIssues(form, res.body?.issues, box);
  });
  return form;
}
