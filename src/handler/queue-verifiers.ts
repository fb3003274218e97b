// One signature verifier per served queue, from the feature keys createJobHandler is given. Checked
// at construction, so a wrong key fails at start-up, not on the first job; key values never appear
// in a message.

import { isQueueKey } from '../feature-keys.ts';
import { SignatureVerifier } from '../signing.ts';
import type { CreateJobHandlerOptions, JobHandler } from './types.ts';

const keyProblem = (field: string, queue: string): string =>
  `createJobHandler: ${field}.${queue} must be the 64-character lowercase hex key of queue '${queue}' (npm run feature-keys -- ${queue})`;

/** Handlers and verifiers by queue name; Maps, so names such as 'constructor' never reach Object.prototype. */
export const queueVerifiers = <Queues extends object>(
  options: CreateJobHandlerOptions<Queues>,
): { handlers: Map<string, JobHandler>; verifiers: Map<string, SignatureVerifier> } => {
  const handlers = new Map(Object.entries(options.handlers ?? {}) as [string, JobHandler][]);
  const keys = new Map(Object.entries(options.keys ?? {}) as [string, unknown][]);
  const nextKeys = new Map(Object.entries(options.nextKeys ?? {}) as [string, unknown][]);
  for (const [field, map] of [['keys', keys], ['nextKeys', nextKeys]] as const) {
    for (const queue of map.keys()) {
      if (!handlers.has(queue)) throw new TypeError(`createJobHandler: ${field}.${queue} is given but handlers has no '${queue}'`);
    }
  }
  const verifiers = new Map<string, SignatureVerifier>();
  for (const [queue, handler] of handlers) {
    if (typeof handler !== 'function') throw new TypeError(`createJobHandler: handlers.${queue} must be a function`);
    const key = keys.get(queue);
    const nextKey = nextKeys.get(queue);
    if (!isQueueKey(key)) throw new TypeError(keyProblem('keys', queue));
    if (nextKey !== undefined && !isQueueKey(nextKey)) throw new TypeError(keyProblem('nextKeys', queue));
    verifiers.set(queue, new SignatureVerifier({ currentSecret: key, nextSecret: nextKey }));
  }
  return { handlers, verifiers };
};
