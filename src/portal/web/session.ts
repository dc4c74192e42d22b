import { get } from './api.js';

/** The signed-in account as GET /me tells it, with what its role may do (`may`, computed by the server). */
export interface Me {
  name: string;
  role: 'operator' | 'voice-group-admin' | 'site-admin' | 'number-user';
  voiceGroupId?: string;
  siteId?: string;
  number?: string;
  may: {
    actions: string[];
    accountRoles: string[];
    operator: boolean;
    featureFields: string[];
    shownFeatureFields: string[];
    shownActions: string[];
    rights: Record<string, 'none' | 'view' | 'edit'>;
  };
}

export interface Site {
  id: string;
  voiceGroupId: string;
  name: string;
}

/** GET /me and GET /me/capabilities: who is signed in and what its role may do; null when not signed in. */
export async function whoAmI(): Promise<Me | null> {
  const me = await get<Omit<Me, 'may'>>('/me');
  if (!me.ok) return null;
  const may = await get<Me['may']>('/me/capabilities');
  return may.ok ? { ...me.body, may: may.body } : null;
}

/** Whether the account may take the action (edit). */
export function may(me: Me, action: string): boolean {
  return me.may.actions.includes(action);
}

/** Whether the portal shows the function's page: the role manages it and the account may at least view it. */
export function shows(me: Me, fn: string): boolean {
  return me.may.shownActions.includes(fn);
}

/** The sites the account can see: every site of its voice groups, or its own site; none for a number user. */
export async function visibleSites(me: Me): Promise<Site[]> {
  if (me.role === 'number-user') return [];
  if (me.role === 'site-admin') {
    const res = await get<Site>(`/sites/${encodeURIComponent(me.siteId ?? '')}`);
    return res.ok ? [res.body] : [];
  }
  const groups = await get<Array<{ id: string }>>('/voice-groups');
  if (!groups.ok) return [];
  const lists = await Promise.all(groups.body.map((g) => get<Site[]>(`/voice-groups/${encodeURIComponent(g.id)}/sites`)));
  return lists.flatMap((l) => (l.ok ? l.body : [])).sort((a, b) => a.id.localeCompare(b.id));
}
