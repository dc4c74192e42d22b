/** A sampled heap profile (V8's HeapProfiler.stopSampling, as alloc-sampling.ts writes it), reduced to where the bytes came from. */

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export interface AllocationSite {
  /** `function file:line`, the file relative to the project (or node_modules). */
  site: string;
  bytes: number;
  share: number;
}

export interface AllocationSummary {
  totalBytes: number;
  /** Allocated in the function itself. */
  self: AllocationSite[];
  /** Allocated in the function and what it called (a recursive function counted once per stack). */
  inclusive: AllocationSite[];
}

function siteOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/dist\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/** The `top` sites by bytes allocated, self and inclusive. */
export function summariseAllocations(profile: { head: ProfileNode }, top = 30): AllocationSummary {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: ProfileNode, onStack: Set<string>): number => {
    const site = siteOf(node);
    let bytes = node.selfSize;
    totalBytes += node.selfSize;
    self.set(site, (self.get(site) ?? 0) + node.selfSize);
    const outermost = !onStack.has(site);
    if (outermost) onStack.add(site);
    for (const child of node.children) bytes += walk(child, onStack);
    if (outermost) {
      onStack.delete(site);
      inclusive.set(site, (inclusive.get(site) ?? 0) + bytes);
    }
    return bytes;
  };
  walk(profile.head, new Set());
  const ranked = (sites: Map<string, number>): AllocationSite[] =>
    [...sites]
      .filter(([, bytes]) => bytes > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([site, bytes]) => ({ site, bytes, share: totalBytes > 0 ? bytes / totalBytes : 0 }));
  return { totalBytes, self: ranked(self), inclusive: ranked(inclusive) };
}
