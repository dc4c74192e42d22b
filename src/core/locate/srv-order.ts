/**
 * RFC 2782 target selection, for SRV records and for anything ranked the
 * same way (several outbound routes of one prefix): lowest priority first;
 * within one priority a weighted random order, where each pick takes a
 * record with probability weight / (sum of the weights left). Records of
 * weight 0 are placed first among their priority before the draw, as the
 * RFC says, so they are picked only when the draw is 0; without such a
 * record the draw starts at 1, so the shares are exactly the weights.
 * Pure: the random source is given (a number in [0, 1)).
 */
export interface Ranked {
  priority: number;
  weight: number;
}

export function orderByPriorityAndWeight<T extends Ranked>(records: readonly T[], random: () => number = Math.random): T[] {
  const priorities = [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b);
  const out: T[] = [];
  for (const priority of priorities) {
    // Weight 0 first: with a running sum they are chosen only when the draw is 0 (RFC 2782, "Usage rules").
    const left = records.filter((r) => r.priority === priority).sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (left.length > 0) {
      const total = left.reduce((sum, r) => sum + Math.max(0, r.weight), 0);
      // 0..total when a weight-0 record is left (the draw 0 is its chance), else 1..total: exact shares.
      const lowest = left.some((r) => r.weight <= 0) ? 0 : 1;
      const draw = total === 0 ? 0 : Math.min(lowest + Math.floor(random() * (total + 1 - lowest)), total);
      let running = 0;
      let index = left.length - 1;
      for (let i = 0; i < left.length; i++) {
        running += Math.max(0, left[i]!.weight);
        if (running >= draw) {
          index = i;
          break;
        }
      }
      out.push(left.splice(index, 1)[0]!);
    }
  }
  return out;
}
