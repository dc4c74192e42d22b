import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The store's Lua scripts live in src/store/lua/*.lua (copied next to the
 * compiled code by scripts/setup.mjs). Each file is read once per process and
 * registered on a client with defineCommand (EVALSHA, falling back to EVAL).
 * Every script declares all the keys it touches in KEYS, and those keys share
 * one hash tag, so it runs on one slot of a Redis Cluster.
 */
const LUA_DIR = new URL('./lua/', import.meta.url);
const texts = new Map<string, string>();

export function luaText(name: string): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8');
    texts.set(name, text);
  }
  return text;
}

/**
 * Registers the script `name` as the command `command` on this client (harmless when already there).
 * `numberOfKeys` null: the command's first argument says how many keys follow.
 */
export function defineScript(redis: Redis, command: string, name: string, numberOfKeys: number | null): void {
  redis.defineCommand(command, numberOfKeys === null ? { lua: luaText(name) } : { numberOfKeys, lua: luaText(name) });
}
