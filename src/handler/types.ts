// Types for feature-side job handlers. A feature declares which queues it serves and what each
// queue's job data looks like; handlers are then typed per queue.

/** What a handler knows about the job it runs; every field comes from the signed body. */
export interface JobContext<QueueName extends string = string> {
  readonly jobId: string;
  readonly queueName: QueueName;
  /** The BullMQ job name, when the producer gave one. */
  readonly name?: string;
  /** 1 for the first try, 2 for the first retry, … */
  readonly attempt: number;
  /** Attempts that failed before this one. */
  readonly attemptsMade: number;
  /** `<queueName>:<jobId>`, stable across retries: use it to make side effects happen once. */
  readonly idempotencyKey: string;
  /** Aborted when the caller gives up (the edge's timeout), where the runtime reports it. */
  readonly signal: AbortSignal;
  /**
   * The job's W3C trace context (the call's valid `traceparent` header, which the producer started):
   * hand it to your tracer as the parent of your spans. Not covered by the signature: correlation only.
   */
  readonly traceparent?: string;
  readonly request: Request;
  /**
   * For a queue registered with `completion: "async"`: the call is answered 202 once the handler
   * returns, and the job stays active until `complete` or `fail` reports it (before the queue's
   * timeoutMs). Needs `edgeUrl` in the options.
   */
  defer(): DeferredJob;
}

/** Reports a deferred attempt once; a second report, or one past the deadline, is refused (CallbackRefusedError, 409). */
export interface DeferredJob {
  complete(result?: unknown): Promise<void>;
  fail(error: unknown, options?: { retryable?: boolean }): Promise<void>;
}

export type JobHandler<Data = unknown, Result = unknown, QueueName extends string = string> = (
  data: Data,
  ctx: JobContext<QueueName>,
) => Result | Promise<Result>;

/** One handler per declared queue: `{ email: (data: EmailJob, ctx) => … }`. */
export type JobHandlers<Queues extends object> = {
  [Q in keyof Queues]: JobHandler<Queues[Q], unknown, Q & string>;
};

/** Per served queue, its key: 64 lowercase hex characters, as `npm run feature-keys -- <queue>` prints it. */
export type QueueKeys<Queues extends object> = { [Q in keyof Queues]: string };

export interface CreateJobHandlerOptions<Queues extends object> {
  handlers: JobHandlers<Queues>;
  /** Each served queue's feature key; a call is verified with the key of the queue it names. */
  keys: NoInfer<QueueKeys<Queues>>;
  /** The keys made from the platform's next secret, accepted as well while it rotates. */
  nextKeys?: NoInfer<Partial<QueueKeys<Queues>>>;
  /** The edge's base URL, where `ctx.defer()`'s reports go. */
  edgeUrl?: string;
}
