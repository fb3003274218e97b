// Runs a Lua script through @upstash/redis by SHA, sending the text only when Redis does not have it
// cached (after a restart or SCRIPT FLUSH), as ioredis does for BullMQ.

import type { Redis } from '@upstash/redis/cloudflare';
import type { RestScript } from './bullmq-scripts.ts';

const isNoScript = (message: string | undefined): boolean => /NOSCRIPT/i.test(message ?? '');

/** `EXISTS probeKey` and the script in one MULTI/EXEC, so the answer says what was there before. */
export const runScriptAfterExists = async (
  redis: Redis,
  probeKey: string,
  script: RestScript,
  keys: string[],
  args: string[],
): Promise<{ existed: boolean; result: unknown }> => {
  const run = async (bySha: boolean) => {
    const transaction = redis.multi().exists(probeKey);
    const withScript = bySha ? transaction.evalsha(await script.sha1(), keys, args) : transaction.eval(script.lua, keys, args);
    return withScript.exec({ keepErrors: true });
  };
  let [exists, outcome] = await run(true);
  if (isNoScript(outcome.error)) [exists, outcome] = await run(false);
  if (outcome.error) throw new Error(`${script.name} failed: ${outcome.error}`);
  return { existed: exists.result === 1, result: outcome.result };
};

export const runScript = async (redis: Redis, script: RestScript, keys: string[], args: string[]): Promise<unknown> => {
  try {
    return await redis.evalsha(await script.sha1(), keys, args);
  } catch (error) {
    if (!isNoScript(error instanceof Error ? error.message : undefined)) throw error;
    return redis.eval(script.lua, keys, args);
  }
};
