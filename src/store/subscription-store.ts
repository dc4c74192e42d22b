import type { Redis } from 'ioredis';
import { z } from 'zod';
import { OPTIONS, subscriptionsOf, type OptionName, type Subscriptions } from '../features/options.js';
import { keys } from './keys.js';
import { parseStored } from './schemas.js';

/**
 * Option subscriptions (docs/product.md §4.6): a record per number
 * (`opts:num:{number}`) and per site (`opts:site:{id}`), each a JSON array of
 * option names, written only by provisioning (the operator). Read on every
 * call, like the feature settings.
 */

const optionListSchema = z.array(z.enum(OPTIONS));

export function parseOptionList(json: string | null | undefined, what: string): OptionName[] | null {
  return parseStored(optionListSchema, json, what);
}

export interface SubscriptionRecords {
  number: OptionName[] | null;
  site: OptionName[] | null;
}

export class SubscriptionStore {
  constructor(private readonly redis: Redis) {}

  /** The number's own record and its site's (the site is looked up when not given). */
  async records(number: string, siteId?: string): Promise<SubscriptionRecords> {
    const [own, sipId] = await Promise.all([
      this.redis.get(keys.numberOptions(number)),
      siteId === undefined ? this.redis.hget(keys.number(number), 'sipId') : Promise.resolve(null),
    ]);
    const site = siteId ?? (sipId ? await this.redis.hget(keys.line(sipId), 'siteId') : null);
    const siteRecord = site ? await this.redis.get(keys.siteOptions(site)) : null;
    return { number: parseOptionList(own, 'number options'), site: parseOptionList(siteRecord, 'site options') };
  }

  /** What the number has subscribed: the union of both records, or every option when it has neither. */
  async of(number: string, siteId?: string): Promise<Subscriptions> {
    const r = await this.records(number, siteId);
    return subscriptionsOf(r.number, r.site);
  }

  async ofSite(siteId: string): Promise<OptionName[] | null> {
    return parseOptionList(await this.redis.get(keys.siteOptions(siteId)), 'site options');
  }
}
