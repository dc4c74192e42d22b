import { h } from './dom.js';
import { t } from './i18n.js';
import { issuesByField, type ApiResult } from './api.js';

/**
 * Shows the API's answer in a form: each `field.path: message` issue at the
 * input whose data-field is that path (or the nearest enclosing path), the
 * rest in the form's message box; the input is marked aria-invalid and
 * described by its message.
 */
export function clearErrors(form: HTMLElement): void {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const described = (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => !id.endsWith('-error'))
      .join(' ');
    if (described) el.setAttribute('aria-describedby', described);
    else el.removeAttribute('aria-describedby');
  }
}

export function showIssues(form: HTMLElement, issues: readonly string[] | undefined, box: HTMLElement): void {
  clearErrors(form);
  const general: string[] = [];
  let first: HTMLElement | null = null;
  for (const [path, messages] of issuesByField(issues)) {
    const target = findField(form, path);
    if (!target) {
      general.push(...messages.map((m) => (path ? `${path}: ${m}` : m)));
      continue;
    }
    const id = `${target.id}-error`;
    const p = h('p', { class: 'field-error', id }, messages.join(' / '));
    (target.closest('.field') ?? target).append(p);
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', `${target.getAttribute('aria-describedby') ?? ''} ${id}`.trim());
    first ??= target;
  }
  if (general.length) box.append(h('ul', { class: 'issues' }, ...general.map((g) => h('li', {}, g))));
  first?.focus();
}

function findField(form: HTMLElement, path: string): HTMLElement | null {
  let p = path;
  while (p) {
    const el = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(p)}"]`);
    if (el) return el;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
  return null;
}

/** A status line (role=status, announced politely) or an alert. */
export function message(box: HTMLElement, kind: 'ok' | 'error', text: string): void {
  box.replaceChildren(h('p', { class: kind === 'ok' ? 'ok' : 'error', role: kind === 'ok' ? 'status' : 'alert' }, text));
}

/** The generic text for a refused request. */
export function refusal(res: ApiResult): string {
  if (res.status === 404) return t('common.notfound');
  if (res.status === 403) return t('common.forbidden');
  if (res.status === 412) return t('common.stale');
  if (res.status === 400) return t('common.invalid');
  return `${t('common.error')} ${res.status}: ${(res.body as { message?: string })?.message ?? ''}`;
}
