// Types for feature-side job handlers. A feature declares which queues it serves and what each
// queue's job data looks like; handlers are then typed per queue.

/** What a handler knows about the job it runs; every field comes from the signed body. */
export interface JobContext<QueueName extends string = string> {
  readonly jobId: string;
  readonly queueName: QueueName;
  /** 1 for the first try, 2 for the first retry, … */
  readonly attempt: number;
  /** Attempts that failed before this one. */
  readonly attemptsMade: number;
  /** `<queueName>:<jobId>`, stable across retries: use it to make side effects happen once. */
  readonly idempotencyKey: string;
  /** Aborted when the caller gives up (the edge's timeout), where the runtime reports it. */
  readonly signal: AbortSignal;
  readonly request: Request;
}

export type JobHandler<Data = unknown, Result = unknown, QueueName extends string = string> = (
  data: Data,
  ctx: JobContext<QueueName>,
) => Result | Promise<Result>;

/** One handler per declared queue: `{ email: (data: EmailJob, ctx) => … }`. */
export type JobHandlers<Queues extends object> = {
  [Q in keyof Queues]: JobHandler<Queues[Q], unknown, Q & string>;
};

export interface CreateJobHandlerOptions<Queues extends object> {
  handlers: JobHandlers<Queues>;
  /** FEATURE_SIGNING_SECRET, the key the edge signs job calls with. */
  signingSecret: string;
  /** FEATURE_SIGNING_SECRET_NEXT, accepted as well while the secret rotates. */
  nextSigningSecret?: string;
}
