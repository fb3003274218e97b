// A Worker feature: serves queue 'signup' and, on POST /signup, puts a job onto it through the
// Queue Worker edge (a Worker holds no Redis connection).
import { EdgeQueueClient } from '@lilith/queue/edge-client';
import { createJobHandler, RetryAfterError } from '@lilith/queue/handler';

export interface Env {
  SIGNUP_QUEUE_KEY: string;
  QUEUE_EDGE_URL: string;
  PRODUCER_TOKEN: string;
}

type Queues = { signup: { name: string } };

let handle: ((request: Request) => Promise<Response>) | undefined;

const jobHandler = (env: Env) =>
  (handle ??= createJobHandler<Queues>({
    keys: { signup: env.SIGNUP_QUEUE_KEY },
    handlers: {
      signup: async ({ name }, ctx) => {
        if (name === '') throw new RetryAfterError(1_000, 'no name yet');
        return { greeting: `Welcome, ${name}`, jobId: ctx.jobId, runtime: navigator.userAgent };
      },
    },
  }));

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/internal/process-job') return jobHandler(env)(request);
    if (pathname === '/signup' && request.method === 'POST') {
      const { name } = await request.json<{ name: string }>();
      const queues = new EdgeQueueClient<Queues>({ url: env.QUEUE_EDGE_URL, token: env.PRODUCER_TOKEN });
      return Response.json({ jobId: await queues.addJob('signup', { name }) }, { status: 201 });
    }
    return new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<Env>;
