// Under @cloudflare/vitest-plugin: the Worker enqueues through the real edge, then answers the call
// the stack makes for that job. The stack cannot reach into this workerd, so a relay beside it
// holds the edge's signed call until this test hands it to the Worker and returns the answer.
import { env, exports } from 'cloudflare:workers';
import { PROTOCOL_VERSIONS } from '@lilith/queue/handler';
import { expect, it } from 'vitest';

interface HeldCall {
  id: string;
  headers: Record<string, string>;
  body: string;
}

const feature = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://signup.test${path}`, init));

it('enqueues a signup through the edge and runs the call the stack makes for it', async () => {
  const added = await feature('/signup', { method: 'POST', body: JSON.stringify({ name: 'Ada' }) });
  expect(added.status).toBe(201);
  const { jobId } = await added.json<{ jobId: string }>();

  const held = await fetch(`${env.RELAY_URL}/next`);
  expect(held.status).toBe(200);
  const call = await held.json<HeldCall>();
  expect(call.headers['x-queue-job-id']).toBe(jobId);
  expect(call.headers['x-queue-signature']).toMatch(new RegExp(`v${PROTOCOL_VERSIONS.signature}=`));

  const answer = await feature('/internal/process-job', { method: 'POST', headers: call.headers, body: call.body });
  const body = await answer.text();
  await fetch(`${env.RELAY_URL}/answer/${call.id}`, { method: 'POST', body: JSON.stringify({ status: answer.status, body }) });
  expect(answer.status).toBe(200);
  expect(JSON.parse(body)).toEqual({ success: true, result: { greeting: 'Welcome, Ada', jobId, runtime: 'Cloudflare-Workers' } });
});

it('refuses a call not signed with the queue key', async () => {
  const body = JSON.stringify({ jobId: '1', queueName: 'signup', data: { name: 'Eve' }, attemptsMade: 0 });
  const answer = await feature('/internal/process-job', {
    method: 'POST',
    headers: { 'X-Queue-Name': 'signup', 'X-Queue-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
    body,
  });
  expect(answer.status).toBe(401);
});
