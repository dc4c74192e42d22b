import { call, get, whenSessionEnds } from './api.js';
import { h } from './dom.js';
import { setTimeZone } from './format.js';
import { lang, setLang, t, type Key } from './i18n.js';
import { accountsPage } from './page-accounts.js';
import { bulkPage, huntPage } from './page-groups.js';
import { csvPage } from './page-csv.js';
import { historyPage } from './page-history.js';
import { linesPage } from './page-lines.js';
import { numberPage } from './page-number.js';
import { routingPage } from './page-routing.js';
import { signInPage } from './page-signin.js';
import { shows, whoAmI, type Me } from './session.js';

/**
 * The portal shell: sign-in, the menu of pages this account's role may use
 * (from GET /me `may`), and hash routes (#/lines, #/numbers/0312345678, ...).
 */
const root = document.getElementById('app')!;
let me: Me | null = null;
let notice: Key | null = null;

interface PageSpec {
  path: string;
  label: Key;
  shown(me: Me): boolean;
  render(main: HTMLElement, me: Me, arg?: string): Promise<void>;
}

const PAGES: PageSpec[] = [
  { path: 'lines', label: 'nav.lines', shown: (m) => m.role !== 'number-user', render: linesPage },
  { path: 'number', label: 'nav.number', shown: (m) => m.role === 'number-user', render: (main, m) => numberPage(main, m, m.number ?? '') },
  // A view-only right shows the page without its edit controls.
  { path: 'bulk', label: 'nav.bulk', shown: (m) => shows(m, 'bulk-forwarding'), render: bulkPage },
  { path: 'hunt', label: 'nav.hunt', shown: (m) => shows(m, 'hunt-group'), render: huntPage },
  { path: 'csv', label: 'nav.csv', shown: (m) => m.role !== 'number-user' && shows(m, 'forwarding'), render: csvPage },
  { path: 'history', label: 'nav.history', shown: () => true, render: historyPage },
  { path: 'accounts', label: 'nav.accounts', shown: () => true, render: accountsPage },
  { path: 'routing', label: 'nav.routing', shown: (m) => m.may.operator, render: routingPage },
];

function home(m: Me): string {
  return m.role === 'number-user' ? '#/number' : '#/lines';
}

async function start(): Promise<void> {
  document.documentElement.lang = lang();
  const settings = await get<{ timeZone: string }>('/portal/settings.json');
  if (settings.ok) setTimeZone(settings.body.timeZone);
  whenSessionEnds(() => {
    if (me) {
      me = null;
      notice = 'signin.expired';
      void go('#/signin');
    }
  });
  window.addEventListener('hashchange', () => void route());
  me = await whoAmI();
  await route();
}

async function route(): Promise<void> {
  const [, path = '', arg] = location.hash.replace(/^#\/?/, '/').split('/');
  if (!me) {
    if (path !== 'signin') history.replaceState(null, '', '#/signin');
    renderSignIn();
    return;
  }
  if (path === '' || path === 'signin') {
    location.hash = home(me);
    return;
  }
  const main = h('main', { id: 'main', tabindex: '-1' });
  root.replaceChildren(header(me, path), main);
  const page = path === 'numbers' ? null : PAGES.find((p) => p.path === path && p.shown(me!));
  try {
    if (path === 'numbers' && arg) await numberPage(main, me, decodeURIComponent(arg));
    else if (page) await page.render(main, me, arg);
    else main.append(h('h1', {}, t('common.notfound')));
  } catch (err) {
    main.append(h('p', { class: 'error', role: 'alert' }, `${t('common.error')}: ${(err as Error).message}`));
  }
  main.focus();
}

/** Show a route: through hashchange when the hash changes, at once when it is already there. */
async function go(hash: string): Promise<void> {
  if (location.hash !== hash) location.hash = hash;
  else await route();
}

function renderSignIn(): void {
  const main = h('main', { id: 'main', tabindex: '-1' });
  root.replaceChildren(h('header', { class: 'top' }, h('span', { class: 'brand' }, t('app.title')), langButton()), main);
  signInPage(main, notice, async (account) => {
    notice = null;
    me = account;
    await go(home(account));
  });
  notice = null;
}

function langButton(): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'lang',
      lang: lang() === 'ja' ? 'en' : 'ja',
      onclick: () => {
        setLang(lang() === 'ja' ? 'en' : 'ja');
        void route();
      },
    },
    t('lang.switch'),
  );
}

function header(m: Me, current: string): HTMLElement {
  const links = PAGES.filter((p) => p.shown(m)).map((p) =>
    h('li', {}, h('a', { href: `#/${p.path}`, ...(p.path === current ? { 'aria-current': 'page' } : {}) }, t(p.label))),
  );
  const signOut = h(
    'button',
    {
      type: 'button',
      class: 'signout',
      onclick: async () => {
        await call('POST', '/portal/logout');
        me = null;
        notice = 'signin.signedout';
        await go('#/signin');
      },
    },
    t('nav.signout'),
  );
  return h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, t('app.title')),
    h('nav', { 'aria-label': t('nav.label') }, h('ul', {}, ...links)),
    h('span', { class: 'who' }, t('signedin', { name: m.name, role: t(`role.${m.role}` as Key) })),
    langButton(),
    signOut,
  );
}

void start();
