// A Worker that produces jobs the way a feature team's Worker would: through the edge route with
// EdgeQueueClient. POST / with { queue, data, opts? } answers { jobId }, or the edge's refusal.

import { EdgeQueueClient, EdgeQueueError, type AddJobOptions } from '../../../src/edge-client/index.ts';

interface ProducerEnv {
  EDGE_URL: string;
  PRODUCER_TOKEN: string;
}

export default {
  async fetch(request: Request, env: ProducerEnv): Promise<Response> {
    const { queue, data, opts } = await request.json<{ queue: string; data: unknown; opts?: AddJobOptions }>();
    const queues = new EdgeQueueClient({ url: env.EDGE_URL, token: env.PRODUCER_TOKEN });
    try {
      return Response.json({ jobId: await queues.addJob(queue, data, opts) });
    } catch (error) {
      if (error instanceof EdgeQueueError) return Response.json({ code: error.code, message: error.message }, { status: error.status });
      throw error;
    }
  },
} satisfies ExportedHandler<ProducerEnv>;
