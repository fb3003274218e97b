// The demo feature API `npm start` runs: exactly what a feature team writes — one POST route whose
// handler comes from createJobHandler (signature checks, protocol answers) and a function per queue.

import { Hono } from 'hono';
import { listen, type HttpServer } from '../bridge/http-server.ts';
import { createJobHandler } from '../src/handler/index.ts';
import { DEFAULT_FEATURE_PATH } from '../src/protocol.ts';

export const DEMO_QUEUE = 'demo';

interface DemoQueues {
  [DEMO_QUEUE]: { name?: string };
}

export interface DemoFeatureOptions {
  port: number;
  /** The demo queue's feature key, as `npm run feature-keys -- demo` prints it. */
  key: string;
  log: (line: string) => void;
}

export const startDemoFeature = ({ port, key, log }: DemoFeatureOptions): Promise<HttpServer> => {
  const handle = createJobHandler<DemoQueues>({
    keys: { [DEMO_QUEUE]: key },
    handlers: {
      [DEMO_QUEUE]: async (data, ctx) => {
        const greeting = `Hello, ${data?.name ?? 'world'}!`;
        log(`job ${ctx.jobId} of '${ctx.queueName}' (attempt ${ctx.attempt}): ${greeting}`);
        return { greeting };
      },
    },
  });
  const app = new Hono().post(DEFAULT_FEATURE_PATH, (c) => handle(c.req.raw));
  return listen(app, port, '127.0.0.1');
};
