import { StreamsError } from '../errors';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';

/**
 * Loads the runtime's Lua scripts once per client. `--- @include "x"` lines
 * are replaced by the file includes/x.lua. Commands are registered under
 * versioned names so two runtime versions can share one Redis.
 */
const SCRIPT_VERSION = 'v1';
/** The .lua files stay in src/ (not copied by tsc): this path is the same from src/commands and dist/commands. */
const SCRIPTS_DIR = join(__dirname, '..', '..', 'src', 'commands');
const INCLUDE = /^--- @include "([\w/-]+)"$/gm;

export type ScriptReply = number | string | null | ScriptReply[];

export interface StateScripts {
  claimTask(checkpointKey: string): Promise<ScriptReply>;
  readEntries(keys: string[], epoch: string): Promise<ScriptReply>;
  applyChanges(keys: string[], args: string[]): Promise<ScriptReply>;
}

type ScriptClient = (Redis | Cluster) & Record<string, (...args: Array<number | string[]>) => Promise<ScriptReply>>;

function loadScript(file: string): string {
  const source = readFileSync(join(SCRIPTS_DIR, file), 'utf8');
  return source.replace(INCLUDE, (_, name: string) => readFileSync(join(SCRIPTS_DIR, `${name}.lua`), 'utf8'));
}

export function loadStateScripts(redis: Redis | Cluster): StateScripts {
  const client = redis as ScriptClient;
  for (const file of ['claimTask-1.lua', 'readEntries-1.lua', 'applyChanges-1.lua']) {
    const name = `${file.split('-')[0]}_${SCRIPT_VERSION}`;
    if (typeof client[name] !== 'function') redis.defineCommand(name, { lua: loadScript(file) });
  }
  const call = (name: string, keys: string[], args: string[]) => {
    const command = client[`${name}_${SCRIPT_VERSION}`];
    if (!command) throw new StreamsError(`Redis script ${name} is not loaded: loadStateScripts() defines every script of src/commands`);
    // Arrays, not spread arguments: ioredis flattens them, and a spread of 100,000+ values overflows the call stack.
    return command.call(client, keys.length, keys, args);
  };
  return {
    claimTask: (checkpointKey) => call('claimTask', [checkpointKey], []),
    readEntries: (keys, epoch) => call('readEntries', keys, [epoch]),
    applyChanges: (keys, args) => call('applyChanges', keys, args),
  };
}
