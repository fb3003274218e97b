// EdgeQueueClient inside workerd, with the edge replaced by a recording fetch: what it sends, and
// how the edge's answers come back to the producer. (The real edge: test/e2e/edge-enqueue.test.ts.)

import { describe, expect, it } from 'vitest';
import { EdgeQueueClient, EdgeQueueError, type FetchFunction } from '../../../src/edge-client/index.ts';

const recording = (response: () => Response) => {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch: FetchFunction = async (url, init) => {
    calls.push({ url, init });
    return response();
  };
  return { calls, fetch };
};

describe('EdgeQueueClient', () => {
  it('posts { name, data, opts } with the producer token and resolves to the job id', async () => {
    const edge = recording(() => Response.json({ jobId: 'order-1' }, { status: 201 }));
    const queues = new EdgeQueueClient<{ email: { to: string } }>({ url: 'https://edge.example/', token: 'producer-token', fetch: edge.fetch });

    expect(await queues.addJob('email', { to: 'a@example.com' }, { name: 'welcome', jobId: 'order-1', delay: 5 })).toBe('order-1');
    expect(edge.calls).toHaveLength(1);
    const [{ url, init }] = edge.calls;
    expect(url).toBe('https://edge.example/queues/email/jobs');
    expect(init.method).toBe('POST');
    expect(new Headers(init.headers).get('Authorization')).toBe('Bearer producer-token');
    expect(JSON.parse(init.body as string)).toEqual({ name: 'welcome', data: { to: 'a@example.com' }, opts: { jobId: 'order-1', delay: 5 } });
  });

  it("sends the producer's traceparent as the standard header, never in the body", async () => {
    const edge = recording(() => Response.json({ jobId: 'j-1' }, { status: 201 }));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    await new EdgeQueueClient({ url: 'https://edge.example', token: 't', fetch: edge.fetch }).addJob('email', {}, { traceparent });

    const [{ init }] = edge.calls;
    expect(new Headers(init.headers).get('traceparent')).toBe(traceparent);
    expect(JSON.parse(init.body as string)).toEqual({ data: {}, opts: {} });
  });

  it('resolves to the existing id when the edge reports a duplicate (200)', async () => {
    const edge = recording(() => Response.json({ jobId: 'order-1' }, { status: 200 }));
    expect(await new EdgeQueueClient({ url: 'https://edge.example', token: 't', fetch: edge.fetch }).addJob('email', {})).toBe('order-1');
  });

  it('rejects with the edge’s status, code, message and field details', async () => {
    const details = [{ field: 'opts.delay', message: 'must be an integer' }];
    const edge = recording(() => Response.json({ error: { code: 'invalid_request', message: 'opts.delay must be an integer', details } }, { status: 400 }));
    const error = await new EdgeQueueClient({ url: 'https://edge.example', token: 't', fetch: edge.fetch }).addJob('email', {}, { delay: 1.5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeQueueError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', message: 'opts.delay must be an integer', details });
  });

  it('rejects clearly when something other than the edge answers', async () => {
    const edge = recording(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const error = await new EdgeQueueClient({ url: 'https://edge.example', token: 't', fetch: edge.fetch }).addJob('email', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EdgeQueueError', status: 502, code: 'unexpected_response', message: 'the edge answered 502: <html>Bad gateway</html>' });
  });
});
