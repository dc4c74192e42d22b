import { checkbox, field, h, select, textInput } from './dom.js';
import { t, type Key } from './i18n.js';

/** The forwarding settings as the API shows them (GET /numbers/{n} features.forwarding). */
export interface Pattern {
  enabled: boolean;
  unconditional: boolean;
  busy: boolean;
  noAnswer: boolean;
  unreachable: boolean;
  ringTime: number;
  active: number;
}
export interface Forwarding extends Pattern {
  destinations: Array<string | null>;
  schedule: Array<{ days: number[]; from: string; to: string; pattern: Pattern }>;
}

const TRIGGERS = ['unconditional', 'busy', 'noAnswer', 'unreachable'] as const;

/**
 * The forwarding editor: pattern, five destinations and the weekly rules.
 * Every input carries the API path of its value (data-field) so a refused
 * value's message appears at it. `read()` gives the forwarding object to send.
 */
export function forwardingEditor(initial: Forwarding): { element: HTMLElement; read(): Forwarding } {
  const base = patternInputs(initial, 'forwarding');
  const destinations = initial.destinations.map((d, i) => textInput(d ?? '', { name: `dest${i + 1}`, inputmode: 'tel', autocomplete: 'off' }));
  const rulesBox = h('div', { class: 'rules' });
  const rules: Array<{ element: HTMLElement; read(): Forwarding['schedule'][number] }> = [];
  const renumber = () =>
    rulesBox.replaceChildren(
      ...rules.map((r, i) => {
        r.element.querySelector('legend')!.textContent = t('fwd.rule', { n: i + 1 });
        for (const el of r.element.querySelectorAll<HTMLElement>('[data-field]')) {
          el.dataset.field = el.dataset.field!.replace(/schedule\[\d+\]/, `schedule[${i}]`);
        }
        return r.element;
      }),
    );
  const addRule = (rule: Forwarding['schedule'][number]) => {
    const r = ruleEditor(rule, rules.length, () => {
      rules.splice(rules.indexOf(r), 1);
      renumber();
    });
    rules.push(r);
    renumber();
  };
  for (const rule of initial.schedule) addRule(rule);

  const element = h(
    'fieldset',
    { class: 'card', 'data-field': 'forwarding', tabindex: '-1' },
    h('legend', {}, t('fwd.legend')),
    base.element,
    h(
      'div',
      { class: 'destinations' },
      ...destinations.map((input, i) =>
        field(i === 4 ? t('fwd.dest5') : t('fwd.dest', { n: i + 1 }), input, `forwarding.destinations[${i}]`, i === 0 ? t('fwd.destHint') : undefined),
      ),
    ),
    h(
      'fieldset',
      { class: 'schedule' },
      h('legend', {}, t('fwd.schedule')),
      h('p', { class: 'hint' }, t('fwd.scheduleHint')),
      rulesBox,
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => addRule({ days: [1, 2, 3, 4, 5], from: '18:00', to: '09:00', pattern: { ...base.read(), enabled: true } }),
        },
        t('fwd.addRule'),
      ),
    ),
  );
  return {
    element,
    read: () => ({
      ...base.read(),
      destinations: destinations.map((d) => (d.value.trim() === '' ? null : d.value.trim())),
      schedule: rules.map((r) => r.read()),
    }),
  };
}

function patternInputs(p: Pattern, path: string): { element: HTMLElement; read(): Pattern } {
  const enabled = checkbox(p.enabled, 'enabled');
  const triggers = TRIGGERS.map((k) => [k, checkbox(p[k], k)] as const);
  const on = (k: (typeof TRIGGERS)[number]) => triggers.find(([name]) => name === k)![1].checked;
  const ringTime = h('input', { type: 'number', name: 'ringTime', min: 5, max: 30, step: 1, inputmode: 'numeric' });
  ringTime.value = String(p.ringTime);
  const active = select(
    [1, 2, 3, 4, 5].map((n) => [String(n), n === 5 ? t('fwd.dest5') : t('fwd.dest', { n })]),
    String(p.active),
    { name: 'active' },
  );
  const element = h(
    'div',
    { class: 'pattern' },
    field(t('fwd.enabled'), enabled, `${path}.enabled`),
    h('fieldset', { class: 'triggers' }, h('legend', {}, t('fwd.when')), ...triggers.map(([k, box]) => field(t(`fwd.${k}` as Key), box, `${path}.${k}`))),
    field(t('fwd.ringTime'), ringTime, `${path}.ringTime`),
    field(t('fwd.active'), active, `${path}.active`),
  );
  return {
    element,
    read: () => ({
      enabled: enabled.checked,
      unconditional: on('unconditional'),
      busy: on('busy'),
      noAnswer: on('noAnswer'),
      unreachable: on('unreachable'),
      // Sent as typed: a value out of range is the API's to refuse, with its message at this field.
      ringTime: ringTime.value.trim() === '' ? Number.NaN : Number(ringTime.value),
      active: Number(active.value),
    }),
  };
}

function ruleEditor(rule: Forwarding['schedule'][number], index: number, remove: () => void): { element: HTMLElement; read(): Forwarding['schedule'][number] } {
  const path = `forwarding.schedule[${index}]`;
  const days = [0, 1, 2, 3, 4, 5, 6].map((d) => [d, checkbox(rule.days.includes(d), `day${d}`)] as const);
  const from = h('input', { type: 'time', name: 'from' });
  from.value = rule.from;
  const to = h('input', { type: 'time', name: 'to' });
  to.value = rule.to;
  const pattern = patternInputs(rule.pattern, `${path}.pattern`);
  const element = h(
    'fieldset',
    { class: 'rule' },
    h('legend', {}, ''),
    h(
      'fieldset',
      { class: 'days', 'data-field': `${path}.days`, tabindex: '-1' },
      h('legend', {}, t('fwd.days')),
      ...days.map(([d, box]) => field(t(`day.${d}` as Key), box)),
    ),
    field(t('fwd.from'), from, `${path}.from`),
    field(t('fwd.to'), to, `${path}.to`),
    pattern.element,
    h('button', { type: 'button', class: 'secondary', onclick: remove }, t('common.remove')),
  );
  return {
    element,
    read: () => ({ days: days.filter(([, b]) => b.checked).map(([d]) => d), from: from.value, to: to.value, pattern: pattern.read() }),
  };
}
