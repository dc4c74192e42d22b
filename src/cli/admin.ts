/**
 * `npm run admin -- COMMAND ...`: the management API from a shell.
 *
 *   login NAME [--password-stdin]   log in; the token is kept in ~/.config/softswitch/token (0600)
 *   logout                          forget the token
 *   password [--password-stdin]     change your own password (current, then new; stdin: two lines);
 *                                   every older token stops working, the new one is kept
 *   get PATH                        GET, printed as JSON (a CSV as it is)
 *   put PATH FILE|-                 PUT a JSON (or, for *.csv paths, CSV) body with If-Match
 *   patch PATH FILE|-               PATCH a JSON body with If-Match
 *   post PATH [FILE|-]              POST (no body without FILE)
 *   delete PATH                     DELETE
 *   bans                            source addresses banned for password guessing (GET /security/bans)
 *   unban ADDRESS                   lift a ban (DELETE /security/bans/ADDRESS)
 *
 * Options: --url URL (else $SOFTSWITCH_API, else http://127.0.0.1:8080),
 * --if-match ETAG to send a given ETag. Otherwise put/patch send the ETag
 * remembered from your last `get` of PATH (or of its parent: PATCH
 * /numbers/N/features is read as /numbers/N), so a change someone made since
 * you read it is refused (412) rather than overwritten; never read, it is
 * fetched just before the write.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run admin -- [--url URL] COMMAND
  login NAME [--password-stdin] | logout | password [--password-stdin] | get PATH | put PATH FILE|- | patch PATH FILE|- | post PATH [FILE|-] | delete PATH
  bans | unban ADDRESS
  [--if-match ETAG] for put/patch/delete`;

class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface Args {
  command: string;
  operands: string[];
  url: string;
  passwordStdin: boolean;
  ifMatch: string | undefined;
}

function readArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { url: { type: 'string' }, 'if-match': { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    });
  } catch (err) {
    throw new CliError(`${argsError(err)}\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  const [command = '', ...rest] = positionals;
  const url = values.url ?? (env.SOFTSWITCH_API || 'http://127.0.0.1:8080');
  return { command, operands: rest, url: url.replace(/\/+$/, ''), passwordStdin: values['password-stdin'] ?? false, ifMatch: values['if-match'] };
}

/** node:util's parse error in the words the CLI has always used. */
function argsError(err: unknown): string {
  const { code, message } = err as { code?: string; message: string };
  const option = /'(--?[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option} needs a value`;
  return message;
}

const configDir = (env: NodeJS.ProcessEnv) => join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'softswitch');

/** A private file: the directory 0700, the file 0600. */
function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** What the API answered, JSON parsed when it is JSON. */
interface Answer {
  status: number;
  etag: string | null;
  text: string;
  json: unknown;
}

async function call(url: string, method: string, token: string | undefined, body?: { text: string; type: string }, ifMatch?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = body.type;
  if (ifMatch) headers['if-match'] = ifMatch;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(body ? { body: body.text } : {}), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new CliError(
      `cannot reach the management API at ${new URL(url).origin}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, etag: res.headers.get('etag'), text, json };
}

/** The API's own words for a refusal, with each offending field on its own line. */
function failure(a: Answer): CliError {
  const body = (a.json ?? {}) as { message?: string; issues?: string[] };
  const hint =
    a.status === 401
      ? ' (log in: npm run admin -- login NAME)'
      : a.status === 412
        ? ' — someone changed it since you read it: get it again, redo your change, and retry'
        : '';
  const lines = [`error: ${a.status} ${body.message ?? a.text.slice(0, 200)}${hint}`, ...(body.issues ?? []).map((i) => `  ${i}`)];
  return new CliError(lines.join('\n'));
}

async function readInput(source: string): Promise<string> {
  if (source !== '-') {
    try {
      return readFileSync(source, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${source}: ${(err as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function bodyFor(path: string, text: string): { text: string; type: string } {
  if (/\.csv(\?|$)/.test(path)) return { text, type: 'text/csv' };
  try {
    JSON.parse(text);
  } catch (err) {
    throw new CliError(`the body is not JSON: ${(err as Error).message}`);
  }
  return { text, type: 'application/json' };
}

/** A password typed at a terminal without echo, or the first line of piped stdin. */
async function askPassword(fromStdin: boolean, prompt = 'Password: '): Promise<string> {
  const stdin = process.stdin;
  if (fromStdin || !stdin.isTTY) return (await readInput('-')).split(/\r?\n/)[0] ?? '';
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(typed));
        if (ch === '\u0003') return finish(() => reject(new CliError('cancelled', 130)));
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    const finish = (then: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      then();
    };
    stdin.on('data', onData).resume();
  });
}

function print(a: Answer): void {
  process.stdout.write(a.json !== undefined ? `${JSON.stringify(a.json, null, 2)}\n` : a.text.endsWith('\n') || a.text === '' ? a.text : `${a.text}\n`);
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = readArgs(argv, env);
  const dir = configDir(env);
  const tokenFile = join(dir, 'token');
  const etagFile = join(dir, 'etags.json');
  const etags = JSON.parse(readOr(etagFile, '{}')) as Record<string, string>;
  const remember = (path: string, etag: string | null) => {
    if (!etag) return;
    etags[`${args.url}${path}`] = etag;
    writePrivate(etagFile, JSON.stringify(etags, null, 2));
  };
  const token = readOr(tokenFile, '').trim() || undefined;
  const [path, source] = args.operands;
  const needPath = () => {
    if (!path || !path.startsWith('/')) throw new CliError(`give an API path starting with /\n${USAGE}`, 2);
    return path;
  };

  switch (args.command) {
    case 'login': {
      if (!path) throw new CliError(USAGE, 2);
      const password = await askPassword(args.passwordStdin);
      const a = await call(`${args.url}/auth/login`, 'POST', undefined, { text: JSON.stringify({ name: path, password }), type: 'application/json' });
      if (a.status !== 200) throw failure(a);
      const { token: issued, expiresAt } = a.json as { token: string; expiresAt: string };
      writePrivate(tokenFile, `${issued}\n`);
      process.stderr.write(`logged in as ${path} until ${expiresAt}\n`);
      return 0;
    }
    case 'logout':
      rmSync(tokenFile, { force: true });
      return 0;
    case 'password': {
      let currentPassword: string;
      let newPassword: string;
      if (args.passwordStdin || !process.stdin.isTTY) {
        [currentPassword = '', newPassword = ''] = (await readInput('-')).split(/\r?\n/);
      } else {
        currentPassword = await askPassword(false, 'Current password: ');
        newPassword = await askPassword(false, 'New password: ');
        if ((await askPassword(false, 'New password again: ')) !== newPassword) throw new CliError('the new passwords differ; nothing changed');
      }
      const a = await call(`${args.url}/me/password`, 'PUT', token, { text: JSON.stringify({ currentPassword, newPassword }), type: 'application/json' });
      if (a.status !== 200) throw failure(a);
      // The change revoked every token of the account, the one on disk too: keep the one the answer carries.
      writePrivate(tokenFile, `${(a.json as { token: string }).token}\n`);
      process.stderr.write('password changed; older tokens no longer work\n');
      return 0;
    }
    case 'get': {
      const a = await call(args.url + needPath(), 'GET', token);
      if (a.status >= 400) throw failure(a);
      remember(path!, a.etag);
      print(a);
      return 0;
    }
    case 'put':
    case 'patch':
    case 'post':
    case 'delete': {
      const target = needPath();
      const method = args.command.toUpperCase();
      if ((method === 'PUT' || method === 'PATCH') && !source) throw new CliError(`${args.command} needs a FILE or - (stdin)\n${USAGE}`, 2);
      const body = source ? bodyFor(target, await readInput(source)) : undefined;
      let ifMatch = args.ifMatch;
      let readPath: string | undefined;
      if (!ifMatch && (method === 'PUT' || method === 'PATCH')) ({ ifMatch, readPath } = await currentEtag(args.url, target, token, etags));
      const a = await call(args.url + target, method, token, body, ifMatch);
      if (a.status >= 400) throw failure(a);
      // The write's answer is the new state: a next write from here is not a conflict with ourselves.
      if (readPath && a.etag) remember(readPath, a.etag);
      print(a);
      return 0;
    }
    case 'bans': {
      const a = await call(`${args.url}/security/bans`, 'GET', token);
      if (a.status >= 400) throw failure(a);
      print(a);
      return 0;
    }
    case 'unban': {
      if (!path) throw new CliError(`unban needs an ADDRESS\n${USAGE}`, 2);
      const a = await call(`${args.url}/security/bans/${encodeURIComponent(path)}`, 'DELETE', token);
      if (a.status >= 400) throw failure(a);
      print(a);
      return 0;
    }
    default:
      throw new CliError(USAGE, 2);
  }
}

/**
 * The ETag to send: the one remembered from the last `get` of the path or its
 * parent, else the current one read now. A path Fastify does not know for GET
 * (a write-only sub-resource) is read as its parent.
 */
async function currentEtag(
  url: string,
  path: string,
  token: string | undefined,
  etags: Record<string, string>,
): Promise<{ ifMatch?: string; readPath?: string }> {
  const parent = path.replace(/\/[^/]+$/, '') || '/';
  for (const p of [path, parent]) {
    const known = etags[`${url}${p}`];
    if (known) return { ifMatch: known, readPath: p };
  }
  for (const p of [path, parent]) {
    const a = await call(url + p, 'GET', token);
    if (a.status === 200 && a.etag) return { ifMatch: a.etag, readPath: p };
    if (a.status === 401) throw failure(a);
    if (a.status !== 404 && a.status !== 405) break;
  }
  // Nothing to read: send none, and let the API say whether it needs one (428).
  return {};
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof CliError ? err.message : `admin failed: ${(err as Error).message}`}\n`);
    process.exitCode = err instanceof CliError ? err.code : 1;
  },
);
