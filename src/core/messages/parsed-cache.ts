// Storage of Headers.parsed(): a flat array of (name, parse, value) triples.
// A message caches a handful of values, so a linear scan beats a Map.

/** Index of the value cached for (name, parse), or -1. */
export function cacheIndex(pc: unknown[] | null, name: string, parse: unknown): number {
  if (pc === null) return -1;
  for (let i = 0; i < pc.length; i += 3) if (pc[i + 1] === parse && pc[i] === name) return i + 2;
  return -1;
}

/** Drop the entries whose header name has canonical key `key`. */
export function cacheForget(pc: unknown[], key: string, keyOf: (name: string) => string): void {
  for (let i = pc.length - 3; i >= 0; i -= 3) {
    const name = pc[i] as string;
    if (name === key || keyOf(name) === key) pc.splice(i, 3);
  }
}
