import { call, get, type ApiResult } from './api.js';
import { checkbox, field, h, select, textInput } from './dom.js';
import { clearErrors, message, refusal, showIssues } from './forms.js';
import { formatTime } from './format.js';
import { forwardingEditor, type Forwarding } from './forwarding-form.js';
import { t, type Key } from './i18n.js';
import type { Me } from './session.js';

interface Features {
  blockedCallers: string[];
  blockAnnouncementUri: string | null;
  anonymousRejection: boolean;
  internationalBar: boolean;
  outgoingRestriction: boolean;
  presentation: 'present' | 'withhold';
  specificPresentation: { number: string; enabled: boolean } | null;
  forwarding: Forwarding;
}
interface NumberView {
  number: string;
  sipId: string;
  siteId: string;
  features: Features;
}

/**
 * One number's settings. Only the fields the account's role may change are
 * offered (GET /me may.featureFields); saving sends just the changed fields
 * with If-Match, so a change made meanwhile by someone else is refused (412)
 * and shown, never overwritten.
 */
export async function numberPage(main: HTMLElement, me: Me, number: string): Promise<void> {
  const res = await get<NumberView>(`/numbers/${encodeURIComponent(number)}`);
  if (!res.ok) {
    main.append(h('h1', {}, t('number.title', { number })), h('p', { class: 'error', role: 'alert' }, refusal(res)));
    return;
  }
  render(main, me, res);
}

function render(main: HTMLElement, me: Me, res: ApiResult<NumberView>): void {
  const view = res.body;
  const etag = res.etag;
  const f = view.features;
  const may = new Set(me.may.featureFields);
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  const readers: Array<() => Partial<Features>> = [];
  const sections: HTMLElement[] = [];

  if (may.has('forwarding')) {
    const editor = forwardingEditor(f.forwarding);
    sections.push(editor.element);
    readers.push(() => ({ forwarding: editor.read() }));
  }
  if (may.has('blockedCallers')) {
    const s = blockSection(f, view.number);
    sections.push(s.element);
    readers.push(s.read);
  }
  if (may.has('anonymousRejection')) {
    const anon = checkbox(f.anonymousRejection, 'anonymousRejection');
    sections.push(h('fieldset', { class: 'card' }, h('legend', {}, t('anon.legend')), field(t('anon.reject'), anon, 'anonymousRejection')));
    readers.push(() => ({ anonymousRejection: anon.checked }));
  }
  if (may.has('presentation')) {
    const pres = select(
      [
        ['present', t('pres.present')],
        ['withhold', t('pres.withhold')],
      ],
      f.presentation,
      { name: 'presentation' },
    );
    sections.push(h('fieldset', { class: 'card' }, h('legend', {}, t('pres.legend')), field(t('pres.legend'), pres, 'presentation')));
    readers.push(() => ({ presentation: pres.value as Features['presentation'] }));
  }
  // The number presented is a contract item: only the operator sets it; admins switch it on or off.
  const admin = adminSection(f, may, me.may.actions.includes('specific-presentation-number'));
  if (admin) {
    sections.push(admin.element);
    readers.push(admin.read);
  }

  const form = h(
    'form',
    { class: 'number', novalidate: true },
    box,
    ...sections,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.save'))),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.replaceChildren();
    clearErrors(form);
    const wanted = Object.assign({}, ...readers.map((r) => r())) as Partial<Features>;
    const changes = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(f[k as keyof Features])));
    if (Object.keys(changes).length === 0) return message(box, 'ok', t('common.saved'));
    const saved = await call<NumberView>('PATCH', `/numbers/${encodeURIComponent(view.number)}/features`, { json: changes, ifMatch: etag });
    if (saved.ok) {
      render(main, me, saved);
      message(main.querySelector<HTMLElement>('.messages')!, 'ok', t('common.saved'));
      return;
    }
    message(box, 'error', refusal(saved));
    if (saved.status === 400) showIssues(form, saved.body?.issues, box);
    if (saved.status === 412) await offerCurrent(main, me, view.number, changes, box);
  });

  main.replaceChildren(h('h1', {}, t('number.title', { number: view.number })), h('p', {}, t('number.line', { sipId: view.sipId, siteId: view.siteId })), form);
}

/** After a 412: the values now stored for the fields the user changed, and a button to start again from them. */
async function offerCurrent(main: HTMLElement, me: Me, number: string, changes: Record<string, unknown>, box: HTMLElement): Promise<void> {
  const now = await get<NumberView>(`/numbers/${encodeURIComponent(number)}`);
  if (!now.ok) return;
  const list = h(
    'dl',
    { class: 'current' },
    ...Object.keys(changes).flatMap((k) => [
      h('dt', {}, FIELD_LABELS[k] ? t(FIELD_LABELS[k]!) : k),
      h('dd', {}, describe(now.body.features[k as keyof Features])),
    ]),
  );
  box.append(
    h(
      'section',
      { class: 'stale', 'aria-label': t('common.currentValues') },
      h('h2', {}, t('common.currentValues')),
      list,
      h('button', { type: 'button', onclick: () => render(main, me, now) }, t('common.loadCurrent')),
    ),
  );
}

const FIELD_LABELS: Record<string, Key> = {
  forwarding: 'fwd.legend',
  blockedCallers: 'block.list',
  blockAnnouncementUri: 'block.announcement',
  anonymousRejection: 'anon.reject',
  presentation: 'pres.legend',
  internationalBar: 'admin.intl',
  outgoingRestriction: 'admin.outgoing',
  specificPresentation: 'admin.specific',
};

/** A stored value in words: on/off, the presentation choice, lists, and forwarding's fields by their labels. */
function describe(v: unknown): string {
  if (v === null || v === undefined || (Array.isArray(v) && v.every((x) => x === null))) return t('common.none');
  if (v === true) return t('common.on');
  if (v === false) return t('common.off');
  if (v === 'present' || v === 'withhold') return t(`pres.${v}`);
  if (Array.isArray(v)) return v.map((x) => (x === null ? '—' : describe(x))).join(', ');
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${FORWARDING_LABELS[k] ? t(FORWARDING_LABELS[k]!) : k}: ${describe(x)}`)
      .join('; ');
  }
  return String(v);
}

const FORWARDING_LABELS: Record<string, Key> = {
  enabled: 'fwd.enabled',
  unconditional: 'fwd.unconditional',
  busy: 'fwd.busy',
  noAnswer: 'fwd.noAnswer',
  unreachable: 'fwd.unreachable',
  ringTime: 'fwd.ringTime',
  active: 'fwd.active',
  destinations: 'fwd.destinations',
  schedule: 'fwd.schedule',
};

function blockSection(f: Features, number: string): { element: HTMLElement; read(): Partial<Features> } {
  const list = h('ul', { class: 'blocked' });
  const inputs: HTMLInputElement[] = [];
  /** Each saved entry's row and its "added" text, by number. */
  const rows = new Map<string, { li: HTMLLIElement; added: HTMLElement }>();
  const addRow = (value: string, saved = false) => {
    const input = textInput(value, { inputmode: 'tel', name: 'blocked', 'aria-label': t('block.list') });
    inputs.push(input);
    const added = h('span', { class: 'added' });
    const li = h(
      'li',
      {},
      field(t('block.list'), input),
      added,
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            inputs.splice(inputs.indexOf(input), 1);
            if (rows.get(value)?.li === li) rows.delete(value);
            li.remove();
            renumber();
          },
        },
        t('common.remove'),
      ),
    );
    list.append(li);
    if (saved) rows.set(value, { li, added });
    renumber();
  };
  const renumber = () =>
    inputs.forEach((el, i) => {
      el.dataset.field = `blockedCallers[${i}]`;
    });
  for (const b of f.blockedCallers) addRow(b, true);
  // When each entry was added, in the order the API sorts by (rows added in the page and not saved yet stay last).
  const sort = select(
    [
      ['addedAt.desc', t('block.sortNewest')],
      ['addedAt.asc', t('block.sortOldest')],
      ['number.asc', t('block.sortNumber')],
    ],
    'addedAt.desc',
    { name: 'blockSort' },
  );
  const arrange = async () => {
    const [by, order] = sort.value.split('.');
    const res = await get<{ entries: Array<{ number: string; addedAt: string | null }> }>(
      `/numbers/${encodeURIComponent(number)}/block-list?sort=${by}&order=${order}`,
    );
    if (!res.ok) return;
    for (const entry of res.body.entries) {
      const row = rows.get(entry.number);
      if (!row) continue;
      row.added.textContent = entry.addedAt ? t('block.addedAt', { time: formatTime(entry.addedAt) }) : t('block.addedUnknown');
      list.append(row.li);
    }
    const arranged = new Set([...rows.values()].map((r) => r.li));
    for (const li of [...list.children]) if (!arranged.has(li as HTMLLIElement)) list.append(li);
  };
  sort.addEventListener('change', () => void arrange());
  void arrange();
  const add = textInput('', { inputmode: 'tel', name: 'blockAdd', autocomplete: 'off' });
  const counts = h('p', { class: 'counts' });
  void get<{ thisMonth: number; lastMonth: number }>(`/numbers/${encodeURIComponent(number)}/nuisance-counts`).then((c) => {
    if (c.ok) counts.textContent = t('block.counts', { thisMonth: c.body.thisMonth, lastMonth: c.body.lastMonth });
  });
  const announcement = textInput(f.blockAnnouncementUri ?? '', { name: 'blockAnnouncementUri', autocomplete: 'off' });
  const element = h(
    'fieldset',
    { class: 'card', 'data-field': 'blockedCallers', tabindex: '-1' },
    h('legend', {}, t('block.legend')),
    counts,
    field(t('block.sort'), sort),
    list,
    h(
      'div',
      { class: 'inline' },
      field(t('block.add'), add),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            if (add.value.trim()) {
              addRow(add.value.trim());
              add.value = '';
            }
          },
        },
        t('block.addButton'),
      ),
    ),
    field(t('block.announcement'), announcement, 'blockAnnouncementUri'),
  );
  return {
    element,
    read: () => ({
      blockedCallers: inputs.map((i) => i.value.trim()).filter((v) => v !== ''),
      blockAnnouncementUri: announcement.value.trim() === '' ? null : announcement.value.trim(),
    }),
  };
}

function adminSection(f: Features, may: Set<string>, maySetPresentedNumber: boolean): { element: HTMLElement; read(): Partial<Features> } | null {
  const parts: HTMLElement[] = [];
  const reads: Array<() => Partial<Features>> = [];
  if (may.has('internationalBar')) {
    const box = checkbox(f.internationalBar, 'internationalBar');
    parts.push(field(t('admin.intl'), box, 'internationalBar'));
    reads.push(() => ({ internationalBar: box.checked }));
  }
  if (may.has('outgoingRestriction')) {
    const box = checkbox(f.outgoingRestriction, 'outgoingRestriction');
    parts.push(field(t('admin.outgoing'), box, 'outgoingRestriction'));
    reads.push(() => ({ outgoingRestriction: box.checked }));
  }
  if (may.has('specificPresentation')) {
    const on = checkbox(f.specificPresentation?.enabled ?? false, 'specificEnabled');
    const num = textInput(f.specificPresentation?.number ?? '', {
      inputmode: 'tel',
      name: 'specificNumber',
      ...(maySetPresentedNumber ? {} : { readonly: true }),
    });
    parts.push(field(t('admin.specific'), on, 'specificPresentation.enabled'), field(t('admin.specificNumber'), num, 'specificPresentation.number'));
    reads.push(() => ({ specificPresentation: num.value.trim() === '' ? null : { number: num.value.trim(), enabled: on.checked } }));
  }
  if (!parts.length) return null;
  return {
    element: h('fieldset', { class: 'card' }, h('legend', {}, t('admin.legend')), ...parts),
    read: () => Object.assign({}, ...reads.map((r) => r())) as Partial<Features>,
  };
}
