// A Node feature API: Hono on @hono/node-server, one route for the jobs of queue 'email'.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createJobHandler, NonRetryableError, PROTOCOL_VERSIONS } from '@lilith/queue/handler';

interface EmailJob {
  to: string;
  template: string;
  data: { name: string };
}

const key = process.env.EMAIL_QUEUE_KEY;
if (!key) throw new Error('EMAIL_QUEUE_KEY is not set');

const handle = createJobHandler<{ email: EmailJob }>({
  keys: { email: key },
  handlers: {
    email: async (job, ctx) => {
      if (!job.to.includes('@')) throw new NonRetryableError(`not an address: ${job.to}`);
      return { sent: `${job.template} to ${job.to} for ${job.data.name}`, attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey, runtime: `node ${process.version}` };
    },
  },
});

const app = new Hono();
app.post('/internal/process-job', (c) => handle(c.req.raw));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(JSON.stringify({ listening: info.port, featureCall: PROTOCOL_VERSIONS.featureCall }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
