import { call, get } from './api.js';
import { field, h, select } from './dom.js';
import { message, refusal } from './forms.js';
import { t } from './i18n.js';
import { may, visibleSites, type Me } from './session.js';

/**
 * Forwarding of a site as CSV: download (its ETag is kept), upload the
 * edited file with that ETag; every refused cell is listed as "line N,
 * column X: why" and nothing is changed.
 */
export async function csvPage(main: HTMLElement, me: Me): Promise<void> {
  main.append(h('h1', {}, t('csv.title')), h('p', {}, t('csv.hint')));
  const sites = await visibleSites(me);
  const site = select(
    sites.map((s) => [s.id, `${s.name} (${s.id})`]),
    sites[0]?.id ?? '',
    { name: 'site' },
  );
  const etags = new Map<string, string>();
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  const download = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        const res = await get<string>(`/sites/${encodeURIComponent(site.value)}/forwarding.csv`);
        if (!res.ok) return message(box, 'error', refusal(res));
        if (res.etag) etags.set(site.value, res.etag);
        const url = URL.createObjectURL(new Blob([res.body], { type: 'text/csv' }));
        const a = h('a', { href: url, download: `forwarding-${site.value}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    },
    t('csv.download'),
  );
  const file = h('input', { type: 'file', name: 'csv', accept: '.csv,text/csv' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    field(t('csv.upload'), file),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('csv.send'))),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.replaceChildren();
    const chosen = file.files?.[0];
    if (!chosen) return;
    // Without a download in this page, the upload is checked against the forwarding as it is now.
    const etag = etags.get(site.value) ?? (await get(`/sites/${encodeURIComponent(site.value)}/forwarding.csv`)).etag;
    const res = await call<{ numbers: number; changed: string[] }>('PUT', `/sites/${encodeURIComponent(site.value)}/forwarding.csv`, {
      text: await chosen.text(),
      contentType: 'text/csv',
      ifMatch: etag,
    });
    if (res.ok) {
      etags.delete(site.value);
      return message(box, 'ok', t('csv.applied', { numbers: res.body.numbers, changed: res.body.changed.length }));
    }
    if (res.status === 412) return message(box, 'error', t('csv.stale'));
    if (res.status === 400 && res.body?.issues?.length) {
      box.replaceChildren(
        h(
          'div',
          { role: 'alert', class: 'error' },
          h('p', {}, t('csv.errors')),
          h('ul', { class: 'issues' }, ...res.body.issues.map((i: string) => h('li', {}, i))),
        ),
      );
      return;
    }
    message(box, 'error', refusal(res));
  });
  // Upload only for an account that may edit forwarding; a view-only one downloads.
  main.append(
    h('div', { class: 'card' }, field(t('common.site'), site), h('div', { class: 'actions' }, download)),
    ...(may(me, 'forwarding') ? [form] : []),
    box,
  );
}
