import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { DOMAIN } from './call-harness.js';
import { freePort } from './free-port.js';
import { startTestRedis } from './redis-server.js';
import { provision, ROOT, ServerProcess, writeServerConfig } from './server-process.js';

/**
 * The customer portal end to end: a real redis-server, the real server
 * process with its API (and so the portal) on a loopback port, accounts
 * created at start from the config, and Debian's chromium driven by
 * playwright-core with a fresh profile. Torn down with the test file.
 */
export const OPERATOR = { name: 'operator', password: 'Operator1234' };

export interface PortalAccount {
  name: string;
  password: string;
  role: 'voice-group-admin' | 'site-admin' | 'number-user';
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
}

export interface PortalStack {
  node: ServerProcess;
  /** http://127.0.0.1:<api port> */
  base: string;
  browser: Browser;
  /** A new browser context (own cookies) in this language, phone-sized when asked. */
  context(locale: 'ja-JP' | 'en-US', options?: { phone?: boolean }): Promise<BrowserContext>;
}

/** Redis and the server process with the API and portal on a free loopback port; no browser. */
export async function startPortalServer(document: unknown, accounts: PortalAccount[]): Promise<{ node: ServerProcess; base: string }> {
  const redis = await startTestRedis();
  t.teardown(() => redis.stop());
  const config = await writeServerConfig({ redisUrl: redis.url, nodeId: 'node-a', keyPrefix: 'portal:', domain: DOMAIN, algorithms: ['MD5', 'SHA-256'] });
  const apiPort = await freePort();
  const yaml = parse(readFileSync(config.file, 'utf8')) as Record<string, unknown>;
  yaml.api = { address: '127.0.0.1', port: apiPort, operator: OPERATOR, accounts };
  writeFileSync(config.file, stringify(yaml));
  await provision(config, document);
  const node = await ServerProcess.start(config);
  t.teardown(() => node.stop());
  await node.waitForEvent('api.listening', { timeoutMs: 10_000 });
  return { node, base: `http://127.0.0.1:${apiPort}` };
}

export async function startPortalStack(document: unknown, accounts: PortalAccount[]): Promise<PortalStack> {
  const { node, base } = await startPortalServer(document, accounts);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // launch() gives every run a fresh temporary profile (user-data-dir), removed on close.
    timeout: 30_000,
  });
  t.teardown(() => browser.close());
  return {
    node,
    base,
    browser,
    async context(locale, options = {}) {
      const ctx = await browser.newContext({
        locale,
        timezoneId: 'Europe/London',
        baseURL: base,
        viewport: options.phone ? { width: 390, height: 844 } : { width: 1200, height: 900 },
        ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      ctx.setDefaultTimeout(15_000);
      return ctx;
    },
  };
}

/** Sign in through the sign-in page; resolves once the first page after it shows. */
export async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto('/portal/');
  await page.getByLabel(/Account name|アカウント名/).fill(name);
  await page.getByLabel(/^(Password|パスワード)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|ログイン)$/ }).click();
  await page.locator('header nav').waitFor();
}

/** Full-page screenshot kept in docs/screenshots (committed; the README links them). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(ROOT, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** Form controls on the page with no accessible name (no label, aria-label or aria-labelledby): should be none. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page
    .locator('input:not([type=hidden]), select, textarea')
    .evaluateAll((els) =>
      els
        .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
        .map((el) => el.outerHTML),
    );
}
