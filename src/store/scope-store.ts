import type { Redis } from 'ioredis';
import type { TargetScope } from '../api/accounts/roles.js';
import { keys } from './keys.js';
import type { LineRecord } from './line-store.js';

/** Where a resource lives (its site and voice group), read from the provisioned records. */
export class ScopeStore {
  constructor(protected readonly redis: Redis) {}

  async ofVoiceGroup(id: string): Promise<TargetScope | null> {
    return (await this.redis.exists(keys.voiceGroup(id))) ? { voiceGroupId: id } : null;
  }

  async ofSite(id: string): Promise<TargetScope | null> {
    const voiceGroupId = await this.redis.hget(keys.site(id), 'voiceGroupId');
    return voiceGroupId ? { voiceGroupId, siteId: id } : null;
  }

  async ofLine(sipId: string): Promise<TargetScope | null> {
    const [siteId, voiceGroupId] = await this.redis.hmget(keys.line(sipId), 'siteId', 'voiceGroupId');
    return siteId && voiceGroupId ? { voiceGroupId, siteId } : null;
  }

  async ofNumber(number: string): Promise<TargetScope | null> {
    const sipId = await this.redis.hget(keys.number(number), 'sipId');
    const line = sipId ? await this.ofLine(sipId) : null;
    return line ? { ...line, number } : null;
  }
}

/** Where lines and numbers live, from a node's copy of the lines (src/store/line-cache.ts): a call record costs no read to learn it. */
export function scopesFromLines(lines: {
  get(sipId: string): Promise<LineRecord | null>;
  ofNumber(number: string): Promise<LineRecord | null>;
}): Pick<ScopeStore, 'ofLine' | 'ofNumber'> {
  const scope = (line: LineRecord | null): TargetScope | null => (line ? { voiceGroupId: line.voiceGroupId, siteId: line.siteId } : null);
  return {
    ofLine: async (sipId) => scope(await lines.get(sipId)),
    ofNumber: async (number) => {
      const found = scope(await lines.ofNumber(number));
      return found ? { ...found, number } : null;
    },
  };
}
