// BullMQ's own job-adding Lua, bundled from the installed bullmq (the same version the bridge runs),
// so a job added here is exactly what `Queue.add` would have written.
//
// One adaptation: Upstash's REST protocol carries arguments as JSON strings, which cannot hold the
// raw msgpack bytes BullMQ passes in ARGV[1] (job arguments) and ARGV[3] (options). Those two travel
// hex-encoded, and a short prologue turns them back into bytes before BullMQ's script runs; the
// script text itself is untouched (test/node/enqueue/bullmq-scripts.test.ts compares it).

import { addDelayedJob } from 'bullmq/dist/esm/scripts/addDelayedJob-6.js';
import { addPrioritizedJob } from 'bullmq/dist/esm/scripts/addPrioritizedJob-9.js';
import { addStandardJob } from 'bullmq/dist/esm/scripts/addStandardJob-9.js';
import { toHex } from '../../src/hex.ts';

/** BullMQ's script module shape: `{ name, content, keys }`. */
export interface BullmqScript {
  name: string;
  content: string;
  keys: number;
}

export interface RestScript {
  name: string;
  keys: number;
  /** The prologue followed by BullMQ's script. */
  lua: string;
  /** SHA-1 of `lua`, for EVALSHA; computed on first use (not at module load, where Workers forbid it). */
  sha1(): Promise<string>;
}

/** ARGV indexes that carry msgpack and therefore travel hex-encoded. */
const HEX_ARGV = [1, 3];

/** Shadows ARGV with a copy whose hex entries are decoded; one local, no globals touched. */
export const HEX_ARGV_PROLOGUE = `-- Queue Worker edge: ARGV[${HEX_ARGV.join('], ARGV[')}] arrive hex-encoded over REST; decode them, then run BullMQ's script.
local ARGV = (function(argv)
  local decoded = {}
  for i = 1, #argv do decoded[i] = argv[i] end
  for _, i in ipairs({ ${HEX_ARGV.join(', ')} }) do
    decoded[i] = (argv[i]:gsub('%x%x', function(pair) return string.char(tonumber(pair, 16)) end))
  end
  return decoded
end)(ARGV)
`;

const sha1Hex = async (text: string): Promise<string> => {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return toHex(digest);
};

export const forRest = (script: BullmqScript): RestScript => {
  const lua = HEX_ARGV_PROLOGUE + script.content;
  let sha1: Promise<string> | undefined;
  return { name: script.name, keys: script.keys, lua, sha1: () => (sha1 ??= sha1Hex(lua)) };
};

export const ADD_STANDARD_JOB = forRest(addStandardJob);
export const ADD_DELAYED_JOB = forRest(addDelayedJob);
export const ADD_PRIORITIZED_JOB = forRest(addPrioritizedJob);
