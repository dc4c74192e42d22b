/**
 * Calls to the management API from the page. The session is an HttpOnly
 * cookie the script never sees; writes carry the X-Portal-Request header the
 * server requires with the cookie (CSRF). A 401 means the session ended:
 * every page goes back to sign-in.
 */
export interface ApiResult<T = any> {
  status: number;
  ok: boolean;
  etag: string | null;
  /** T when ok; the API's error body otherwise. */
  body: T & ApiErrorBody;
}

/** The API's error body: issues are `field.path: message`. */
export interface ApiErrorBody {
  error?: string;
  message?: string;
  issues?: string[];
}

let onExpired: () => void = () => undefined;

export function whenSessionEnds(fn: () => void): void {
  onExpired = fn;
}

export async function call<T = any>(
  method: string,
  path: string,
  options: { json?: unknown; text?: string; contentType?: string; ifMatch?: string | null } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-portal-request'] = '1';
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers['content-type'] = options.contentType ?? 'text/plain';
    body = options.text;
  }
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  const type = res.headers.get('content-type') ?? '';
  const parsed = res.status === 204 ? null : type.includes('json') ? await res.json() : await res.text();
  if (res.status === 401 && !path.startsWith('/portal/login')) onExpired();
  return { status: res.status, ok: res.ok, etag: res.headers.get('etag'), body: parsed as T & ApiErrorBody };
}

export const get = <T = any>(path: string) => call<T>('GET', path);

/** Issues grouped by field path; issues without a `path: ` prefix under ''. */
export function issuesByField(issues: readonly string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const m = /^([A-Za-z0-9_.[\]()-]+): (.*)$/s.exec(issue);
    const key = m ? m[1]! : '';
    out.set(key, [...(out.get(key) ?? []), m ? m[2]! : issue]);
  }
  return out;
}
