// The one error the producer client throws for input it refuses, before anything reaches Redis.

import type { FieldError } from '../protocol.ts';

export type QueueClientErrorCode =
  /** The queue name does not match QUEUE_NAME_PATTERN. */
  | 'invalid_queue_name'
  /** A registration list was given and the queue is not in it. */
  | 'unknown_queue'
  /** A job name or option is wrong; `details` names each field. */
  | 'invalid_options'
  /**
   * The data could not be dispatched faithfully: not JSON (BigInt, cycles, a function, undefined),
   * nested deeper than MAX_JSON_DEPTH, or holding NaN/Infinity (JSON would store null).
   */
  | 'unserialisable_data'
  /** The data is larger than MAX_JOB_DATA_BYTES as JSON. */
  | 'data_too_large'
  /** `close()` was called. */
  | 'closed';

export class QueueClientError extends Error {
  readonly code: QueueClientErrorCode;
  readonly details?: FieldError[];

  constructor(code: QueueClientErrorCode, message: string, options: { details?: FieldError[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'QueueClientError';
    this.code = code;
    this.details = options.details;
  }
}
