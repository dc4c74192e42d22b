/** A tiny element builder: no innerHTML anywhere, so API text can never become markup. */
type Attrs = Record<string, string | number | boolean | undefined | ((ev: Event) => void)>;
export type Child = Node | string | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

let ids = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix: string): string {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled input: the label's for= the input's id; `field` names the API path its errors are reported at. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, field?: string, hint?: string): HTMLElement {
  if (!input.id) input.id = uid('f');
  if (field) input.dataset.field = field;
  const hintEl = hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  const box = h('div', { class: input instanceof HTMLInputElement && input.type === 'checkbox' ? 'field check' : 'field' });
  if (input instanceof HTMLInputElement && input.type === 'checkbox') box.append(input, h('label', { for: input.id }, label));
  else box.append(h('label', { for: input.id }, label), input);
  if (hintEl) box.append(hintEl);
  return box;
}

export function checkbox(checked: boolean, name?: string): HTMLInputElement {
  const el = h('input', { type: 'checkbox', name });
  el.checked = checked;
  return el;
}

export function textInput(value: string, attrs: Attrs = {}): HTMLInputElement {
  const el = h('input', { type: 'text', ...attrs });
  el.value = value;
  return el;
}

export function select(options: Array<[string, string]>, value: string, attrs: Attrs = {}): HTMLSelectElement {
  const el = h('select', attrs, ...options.map(([v, label]) => h('option', { value: v }, label)));
  el.value = value;
  return el;
}
