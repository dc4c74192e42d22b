import { z } from 'zod';
import { OPTIONS, sortedOptions } from '../features/options.js';
import { isNationalNumber, normalizeNumber } from '../numbers/national.js';
import { entries, field } from './schema-common.js';

/**
 * `options: { numbers: { "<number>": [...] }, sites: { "<site id>": [...] } }`
 * (docs/product.md §4.6): the options each number or site has subscribed. A
 * list replaces the stored record; `null` removes it. A number has the union
 * of its own record and its site's; with neither it keeps every option (as
 * before subscriptions existed).
 */

const optionList = z
  .array(z.enum(OPTIONS, { error: `must be one of ${OPTIONS.join(', ')}` }))
  .transform((list) => sortedOptions(list))
  .nullable();

export const optionsSchema = z.strictObject({
  numbers: z.record(z.string(), optionList).default({}),
  sites: z.record(z.string(), optionList).default({}),
});

/** Keys are a national number and a 7-digit site id. */
export function checkOptionKeys(options: unknown, ctx: z.RefinementCtx): void {
  for (const [key] of entries(field(options, 'numbers'))) {
    const n = normalizeNumber(key);
    if (n === null || !isNationalNumber(n))
      ctx.addIssue({ code: 'custom', path: ['options', 'numbers', key], message: 'not a national number (0 + 9 or 10 digits)' });
  }
  for (const [key] of entries(field(options, 'sites'))) {
    if (!/^\d{7}$/.test(key)) ctx.addIssue({ code: 'custom', path: ['options', 'sites', key], message: 'must be a 7-digit site id' });
  }
}
