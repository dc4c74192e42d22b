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
  /** Fields of a function the account may not view are left out by the server. */
  features: Features;
  options: { subscribed: string[]; lockedFields: string[] };
}

/**
 * One number's settings. The fields the account's role manages are shown
 * (GET /me/capabilities shownFeatureFields), editable when its rights allow
 * (featureFields) and, for customers, the number has subscribed the option
 * (options.lockedFields); otherwise shown read-only with why. Saving sends
 * just the changed fields with If-Match, so a change made meanwhile by
 * someone else is refused (412) and shown, never overwritten.
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
  const access = fieldAccess(me, view);
  const may = new Set(Object.keys(f).filter((k) => access(k) !== 'hidden'));
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  const readers: Array<() => Partial<Features>> = [];
  const sections: HTMLElement[] = [];
  /** A section the account may change is read on save; any other is shown read-only, saying why. */
  const offer = (name: string, element: HTMLElement, read: () => Partial<Features>) => {
    sections.push(element);
    const a = access(name);
    if (a === 'edit') readers.push(read);
    else readOnly(element, a === 'locked' ? t('number.notSubscribed') : t('number.viewOnly'));
  };

  if (may.has('forwarding')) {
    const editor = forwardingEditor(f.forwarding);
    offer('forwarding', editor.element, () => ({ forwarding: editor.read() }));
    // Within forwarding, the schedule and slot 5 are options of their own.
    const schedule = editor.element.querySelector<HTMLElement>('fieldset.schedule');
    if (schedule && access('forwarding') === 'edit' && access('forwarding.schedule') === 'locked') readOnly(schedule, t('number.notSubscribed'));
    const slot5 = editor.element.querySelector<HTMLElement>('[data-field="forwarding.destinations[4]"]')?.closest<HTMLElement>('.field');
    if (slot5 && access('forwarding') === 'edit' && access('forwarding.destinations[4]') === 'locked') readOnly(slot5, t('number.notSubscribed'));
  }
  if (may.has('blockedCallers')) {
    const s = blockSection(f, view.number);
    offer('blockedCallers', s.element, s.read);
  }
  if (may.has('anonymousRejection')) {
    const anon = checkbox(f.anonymousRejection, 'anonymousRejection');
    offer(
      'anonymousRejection',
      h('fieldset', { class: 'card' }, h('legend', {}, t('anon.legend')), field(t('anon.reject'), anon, 'anonymousRejection')),
      () => ({ anonymousRejection: anon.checked }),
    );
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
    offer('presentation', h('fieldset', { class: 'card' }, h('legend', {}, t('pres.legend')), field(t('pres.legend'), pres, 'presentation')), () => ({
      presentation: pres.value as Features['presentation'],
    }));
  }
  // The number presented is a contract item: only the operator sets it; admins switch it on or off.
  const admin = adminSection(f, may, access, me.may.actions.includes('specific-presentation-number'));
  if (admin) {
    sections.push(admin.element);
    readers.push(admin.read);
  }

  const form = h(
    'form',
    { class: 'number', novalidate: true },
    box,
    ...sections,
    ...(readers.length ? [h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('common.save')))] : []),
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

type Access = 'edit' | 'view' | 'locked' | 'hidden';

/**
 * How the page offers a feature field: hidden when the role does not manage
 * it or the account may not view it; locked for a customer when the number
 * has not subscribed its option; view when the account's right is view only.
 */
function fieldAccess(me: Me, view: NumberView): (name: string) => Access {
  const shown = new Set(me.may.shownFeatureFields);
  const editable = new Set(me.may.featureFields);
  const locked = new Set(me.may.operator ? [] : view.options.lockedFields);
  return (name) => {
    const top = name.split('.')[0]!;
    if (!shown.has(top) || !(top in view.features)) return 'hidden';
    if (locked.has(name)) return 'locked';
    return editable.has(top) ? 'edit' : 'view';
  };
}

/** Controls disabled, with a note saying why. */
function readOnly(element: HTMLElement, note: string): void {
  element.classList.add('readonly');
  for (const c of element.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement | HTMLTextAreaElement>('input, select, button, textarea')) {
    c.disabled = true;
  }
  const legend = element.querySelector(':scope > legend');
  const p = h('p', { class: 'hint readonly-note' }, note);
  if (legend) legend.after(p);
  else element.prepend(p);
}

function adminSection(
  f: Features,
  may: Set<string>,
  access: (name: string) => Access,
  maySetPresentedNumber: boolean,
): { element: HTMLElement; read(): Partial<Features> } | null {
  const parts: HTMLElement[] = [];
  const reads: Array<() => Partial<Features>> = [];
  const offer = (name: string, part: HTMLElement, read: () => Partial<Features>) => {
    parts.push(part);
    const a = access(name);
    if (a === 'edit') reads.push(read);
    else readOnly(part, a === 'locked' ? t('number.notSubscribed') : t('number.viewOnly'));
  };
  if (may.has('internationalBar')) {
    const box = checkbox(f.internationalBar, 'internationalBar');
    offer('internationalBar', field(t('admin.intl'), box, 'internationalBar'), () => ({ internationalBar: box.checked }));
  }
  if (may.has('outgoingRestriction')) {
    const box = checkbox(f.outgoingRestriction, 'outgoingRestriction');
    offer('outgoingRestriction', field(t('admin.outgoing'), box, 'outgoingRestriction'), () => ({ outgoingRestriction: box.checked }));
  }
  if (may.has('specificPresentation')) {
    const on = checkbox(f.specificPresentation?.enabled ?? false, 'specificEnabled');
    const num = textInput(f.specificPresentation?.number ?? '', {
      inputmode: 'tel',
      name: 'specificNumber',
      ...(maySetPresentedNumber ? {} : { readonly: true }),
    });
    offer(
      'specificPresentation',
      h('div', {}, field(t('admin.specific'), on, 'specificPresentation.enabled'), field(t('admin.specificNumber'), num, 'specificPresentation.number')),
      () => ({ specificPresentation: num.value.trim() === '' ? null : { number: num.value.trim(), enabled: on.checked } }),
    );
  }
  if (!parts.length) return null;
  return {
    element: h('fieldset', { class: 'card' }, h('legend', {}, t('admin.legend')), ...parts),
    read: () => Object.assign({}, ...reads.map((r) => r())) as Partial<Features>,
  };
}
