import { call } from './api.js';
import { field, h, textInput } from './dom.js';
import { formatTime } from './format.js';
import { t, type Key } from './i18n.js';
import { message } from './forms.js';
import { whoAmI, type Me } from './session.js';

/** Sign-in: the portal login route sets the session cookie; then /me says who we are and what we may do. */
export function signInPage(main: HTMLElement, notice: Key | null, signedIn: (me: Me) => Promise<void>): void {
  const name = textInput('', { name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const box = h('div', { class: 'messages' });
  if (notice) message(box, 'ok', t(notice));
  const form = h(
    'form',
    { class: 'card signin', novalidate: true },
    h('h1', {}, t('signin.title')),
    box,
    field(t('signin.name'), name),
    field(t('signin.password'), password),
    h('button', { type: 'submit' }, t('signin.submit')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    box.replaceChildren();
    const res = await call('POST', '/portal/login', { json: { name: name.value, password: password.value } });
    password.value = '';
    if (res.ok) {
      const me = await whoAmI();
      if (me) return signedIn(me);
    }
    if (res.status === 423) {
      const until = /until (\S+)/.exec(String(res.body?.message ?? ''))?.[1];
      message(box, 'error', t('signin.locked', { until: until ? formatTime(until) : '' }));
    } else {
      message(box, 'error', t('signin.wrong'));
    }
    password.focus();
  });
  main.append(form);
}
