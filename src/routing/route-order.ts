import { orderByPriorityAndWeight } from '../core/locate/srv-order.js';
import type { OutboundRoute } from '../features/settings.js';

/** Priority of a route that gives none. */
export const DEFAULT_ROUTE_PRIORITY = 1;

/**
 * The order in which a call tries the outbound routes matching its number
 * (pure, docs/routing.md): longest prefix first (docs/product.md §5), so a
 * catch-all route is the last resort; the routes of one prefix by priority,
 * lowest first; routes of one priority by weight (RFC 2782, random) when any
 * of them gives a weight (absent counts as 1), else in the order provisioned.
 */
export function outboundRoutesInOrder(routes: readonly OutboundRoute[], number: string, random: () => number = Math.random): OutboundRoute[] {
  const matching = routes.filter((r) => number.startsWith(r.prefix));
  const lengths = [...new Set(matching.map((r) => r.prefix.length))].sort((a, b) => b - a);
  return lengths.flatMap((length) =>
    byPriority(
      matching.filter((r) => r.prefix.length === length),
      random,
    ),
  );
}

function byPriority(routes: readonly OutboundRoute[], random: () => number): OutboundRoute[] {
  const priorityOf = (r: OutboundRoute) => r.priority ?? DEFAULT_ROUTE_PRIORITY;
  const priorities = [...new Set(routes.map(priorityOf))].sort((a, b) => a - b);
  return priorities.flatMap((priority) => {
    const tied = routes.filter((r) => priorityOf(r) === priority);
    if (!tied.some((r) => r.weight !== undefined)) return tied;
    const ranked = tied.map((route) => ({ route, priority, weight: route.weight ?? 1 }));
    return orderByPriorityAndWeight(ranked, random).map((r) => r.route);
  });
}
