// BullMQ's Redis key layout for one queue (bullmq/classes/queue-keys.js): `<prefix>:<queue>:<type>`.

/** BullMQ's default; the bridge and every producer must use the same one (QUEUE_PREFIX). */
export const DEFAULT_QUEUE_PREFIX = 'bull';

export interface QueueKeys {
  /** `<prefix>:<queue>:`, which job keys extend with the job id. */
  base: string;
  wait: string;
  paused: string;
  active: string;
  prioritized: string;
  delayed: string;
  completed: string;
  failed: string;
  meta: string;
  id: string;
  events: string;
  /** Priority counter. */
  pc: string;
  marker: string;
}

export const queueKeys = (queue: string, prefix = DEFAULT_QUEUE_PREFIX): QueueKeys => {
  const base = `${prefix}:${queue}:`;
  return {
    base,
    wait: `${base}wait`,
    paused: `${base}paused`,
    active: `${base}active`,
    prioritized: `${base}prioritized`,
    delayed: `${base}delayed`,
    completed: `${base}completed`,
    failed: `${base}failed`,
    meta: `${base}meta`,
    id: `${base}id`,
    events: `${base}events`,
    pc: `${base}pc`,
    marker: `${base}marker`,
  };
};
