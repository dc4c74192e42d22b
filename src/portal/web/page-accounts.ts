import { call, get } from './api.js';
import { field, h, select, textInput } from './dom.js';
import { message, refusal, showIssues } from './forms.js';
import { t, type Key } from './i18n.js';
import type { Me } from './session.js';

interface Account {
  name: string;
  role: Me['role'];
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
}

const SCOPE_FIELD = { 'voice-group-admin': 'voiceGroupId', 'site-admin': 'siteId', 'number-user': 'number' } as const;

/** Accounts within the account's scope: list, create (roles it may give), delete, unlock; and its own password. */
export async function accountsPage(main: HTMLElement, me: Me): Promise<void> {
  main.append(h('h1', {}, t('accounts.title')));
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  main.append(box);
  if (me.may.actions.includes('accounts')) {
    const list = await get<Account[]>('/accounts');
    if (!list.ok) message(box, 'error', refusal(list));
    else main.append(accountTable(list.body, me, box, () => void reload(main, me)));
    if (me.may.accountRoles.length) main.append(createForm(me, () => void reload(main, me)));
  }
  main.append(passwordForm());
}

async function reload(main: HTMLElement, me: Me): Promise<void> {
  const note = main.querySelector('.messages p')?.cloneNode(true);
  main.replaceChildren();
  await accountsPage(main, me);
  if (note) main.querySelector('.messages')?.append(note);
}

function scopeOf(a: Account): string {
  return a.voiceGroupId ?? a.siteId ?? a.number ?? '';
}

function accountTable(accounts: Account[], me: Me, box: HTMLElement, changed: () => void): HTMLElement {
  const act = async (method: string, path: string, done: Key, name: string) => {
    const res = await call(method, path);
    if (!res.ok) return message(box, 'error', refusal(res));
    message(box, 'ok', t(done, { name }));
    changed();
  };
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'accounts' },
      h('thead', {}, h('tr', {}, ...[t('common.account'), t('common.role'), t('accounts.scope'), ''].map((x) => h('th', { scope: 'col' }, x)))),
      h(
        'tbody',
        {},
        ...accounts.map((a) =>
          h(
            'tr',
            { 'data-account': a.name },
            h('th', { scope: 'row' }, a.name),
            h('td', {}, t(`role.${a.role}` as Key)),
            h('td', {}, scopeOf(a)),
            h(
              'td',
              { class: 'actions' },
              a.name === me.name
                ? null
                : [
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        'aria-label': `${t('accounts.unlock')} ${a.name}`,
                        onclick: () => void act('POST', `/accounts/${encodeURIComponent(a.name)}/unlock`, 'accounts.unlocked', a.name),
                      },
                      t('accounts.unlock'),
                    ),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'danger',
                        'aria-label': `${t('accounts.delete')} ${a.name}`,
                        onclick: () => {
                          if (confirm(t('accounts.confirmDelete', { name: a.name })))
                            void act('DELETE', `/accounts/${encodeURIComponent(a.name)}`, 'accounts.deleted', a.name);
                        },
                      },
                      t('accounts.delete'),
                    ),
                  ],
            ),
          ),
        ),
      ),
    ),
  );
}

function createForm(me: Me, created: () => void): HTMLElement {
  const name = textInput('', { name: 'name', autocomplete: 'off', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true });
  const roles = me.may.accountRoles.filter((r) => r !== 'operator' || me.may.operator);
  const role = select(
    roles.map((r) => [r, t(`role.${r}` as Key)]),
    roles[roles.length - 1] ?? 'number-user',
    { name: 'role' },
  );
  const scope = textInput('', { name: 'scope', autocomplete: 'off' });
  const scopeField = field(t('accounts.number'), scope);
  const sync = () => {
    const key = SCOPE_FIELD[role.value as keyof typeof SCOPE_FIELD];
    scopeField.hidden = !key;
    if (key) {
      scope.dataset.field = key;
      scopeField.querySelector('label')!.textContent = t(`accounts.${key}` as Key);
      const own = key === 'voiceGroupId' ? me.voiceGroupId : key === 'siteId' ? me.siteId : undefined;
      if (own && !scope.value) scope.value = own;
    }
  };
  role.addEventListener('change', sync);
  sync();
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    h('h2', {}, t('accounts.create')),
    box,
    field(t('accounts.name'), name, 'name'),
    field(t('accounts.password'), password, 'password', t('accounts.passwordHint')),
    field(t('common.role'), role, 'role'),
    scopeField,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('accounts.create'))),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.replaceChildren();
    const key = SCOPE_FIELD[role.value as keyof typeof SCOPE_FIELD];
    const body = { name: name.value.trim(), password: password.value, role: role.value, ...(key ? { [key]: scope.value.trim() } : {}) };
    const res = await call('POST', '/accounts', { json: body });
    if (res.ok) {
      password.value = '';
      message(box, 'ok', t('accounts.created', { name: body.name }));
      return created();
    }
    message(box, 'error', res.status === 409 ? String(res.body?.message ?? '') : refusal(res));
    if (res.status === 400) showIssues(form, res.body?.issues, box);
  });
  return form;
}

function passwordForm(): HTMLElement {
  const current = h('input', { type: 'password', name: 'currentPassword', autocomplete: 'current-password' });
  const next = h('input', { type: 'password', name: 'newPassword', autocomplete: 'new-password' });
  const box = h('div', { class: 'messages', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    h('h2', {}, t('password.title')),
    box,
    field(t('password.current'), current, 'currentPassword'),
    field(t('password.new'), next, 'newPassword', t('accounts.passwordHint')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('password.title'))),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.replaceChildren();
    const res = await call('PUT', '/me/password', { json: { currentPassword: current.value, newPassword: next.value } });
    current.value = '';
    next.value = '';
    if (res.ok) return message(box, 'ok', t('password.changed'));
    message(box, 'error', refusal(res));
    if (res.status === 400) showIssues(form, res.body?.issues, box);
  });
  return form;
}
