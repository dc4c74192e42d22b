/** JSON stored in Redis, read back: null when absent or unreadable (a damaged value must not break a call). */
export function parseStoredJson<T>(s: string | null | undefined): T | null {
  if (s === null || s === undefined) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}
