/** A bearer-token client for a server process's management API (real HTTP on loopback). */
export interface ApiClient {
  login(name: string, password: string): Promise<string>;
  get(token: string | undefined, path: string): Promise<{ status: number; text: string; headers: Headers; json: () => unknown }>;
  post(token: string, path: string, body: unknown): Promise<{ status: number; text: string }>;
}

export function apiClient(port: number): ApiClient {
  const base = `http://127.0.0.1:${port}`;
  const auth = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    async login(name, password) {
      const res = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password }),
      });
      const body = (await res.json()) as { token?: string };
      if (res.status !== 200 || !body.token) throw new Error(`login ${name}: ${res.status}`);
      return body.token;
    },
    async get(token, path) {
      const res = await fetch(`${base}${path}`, { headers: auth(token) });
      const text = await res.text();
      return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as unknown };
    },
    async post(token, path, body) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { ...auth(token), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    },
  };
}
