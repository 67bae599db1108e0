import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { OutboxError } from '../../errors';

/**
 * Loads the package's Lua scripts once per client, under versioned names so
 * two versions of the service can share one Redis.
 */
const SCRIPT_VERSION = 'v1';
/** The .lua files stay in src/ (tsc does not copy them): this path is the same from src/ and dist/. */
const SCRIPTS_DIR = join(__dirname, '..', '..', '..', 'src', 'status', 'commands');

type ScriptReply = number | string | null;
type ScriptClient = Redis & Record<string, (...args: Array<string | number>) => Promise<unknown>>;

export const ADVANCE_NOT_NEWER = -1;
export const ADVANCE_UNCHANGED = 0;

export interface StatusScripts {
  /** See advanceState-2.lua: -1 (not newer), 0 (no change) or the id of the outbox entry. */
  advanceState(stateKey: string, outboxKey: string, args: Array<string | number>): Promise<number | string>;
}

export function loadStatusScripts(redis: Redis | Cluster): StatusScripts {
  const client = redis as ScriptClient;
  const name = `advanceState_${SCRIPT_VERSION}`;
  if (typeof client[name] !== 'function') redis.defineCommand(name, { numberOfKeys: 2, lua: readFileSync(join(SCRIPTS_DIR, 'advanceState-2.lua'), 'utf8') });
  return {
    async advanceState(stateKey, outboxKey, args) {
      const command = client[name];
      if (!command) throw new OutboxError(`script ${name} is not loaded`);
      const reply = (await command.call(client, stateKey, outboxKey, ...args)) as ScriptReply;
      if (typeof reply === 'number' || typeof reply === 'string') return reply;
      throw new OutboxError(`advanceState answered ${JSON.stringify(reply)}, expected -1, 0 or an entry id`);
    },
  };
}
