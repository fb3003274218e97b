// POST /internal/registrations/:name/paused (bridge-signed): the console's pause and resume, written
// through the queue's coordinator like the admin PATCH. A paused queue's dispatches are throttled
// `paused` at the edge at once, without the feature being called; bad input is a 400 naming the field.

import { describe, expect, it } from 'vitest';
import { dispatch, edgeFetch, expectError, fieldsNamed, getRegistration, registerStubQueue, signedFetch, stubStats, uniqueQueue } from './helpers.ts';

const setPaused = (name: string, body: unknown) => signedFetch('POST', `/internal/registrations/${name}/paused`, JSON.stringify(body));

describe('POST /internal/registrations/:name/paused', () => {
  it('pauses the registration (the edge throttles its next dispatch as paused, the feature is not called) and resumes it, changing nothing else', async () => {
    const queueName = uniqueQueue('console-pause');
    const before = await registerStubQueue(queueName, { concurrency: 3 });

    const paused = await setPaused(queueName, { paused: true });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ ...before, paused: true, version: before.version + 1, updatedAt: expect.any(String) });
    expect(await getRegistration(queueName)).toMatchObject({ paused: true, concurrency: 3 });
    expect(await dispatch({ queueName, jobId: 'while-paused' })).toMatchObject({ outcome: 'throttled', reason: 'paused' });
    expect((await stubStats(queueName)).count).toBe(0);

    expect((await setPaused(queueName, { paused: false })).status).toBe(200);
    expect(await dispatch({ queueName, jobId: 'after-resume' })).toMatchObject({ outcome: 'completed' });
  });

  it('names the bad field, refuses unknown ones, answers 404 for a queue that is not registered', async () => {
    const queueName = uniqueQueue('console-pause-bad');
    await registerStubQueue(queueName);
    expect(fieldsNamed(await expectError(await setPaused(queueName, { paused: 'yes' }), 400))).toEqual(['paused']);
    expect(fieldsNamed(await expectError(await setPaused(queueName, { paused: true, concurrency: 9 }), 400))).toEqual(['concurrency']);
    expect(fieldsNamed(await expectError(await setPaused(queueName, []), 400))).toEqual(['body']);
    expect(await getRegistration(queueName)).toMatchObject({ paused: false, version: 1 });
    expect((await expectError(await setPaused(uniqueQueue('never-registered'), { paused: true }), 404)).code).toBe('not_found');
  });

  it('is refused unsigned (401), so only a bridge holding BRIDGE_SECRET can pause', async () => {
    const queueName = uniqueQueue('console-pause-unsigned');
    await registerStubQueue(queueName);
    const answer = await edgeFetch(`/internal/registrations/${queueName}/paused`, { method: 'POST', body: '{"paused":true}', headers: { 'Content-Type': 'application/json' } });
    await expectError(answer, 401);
    expect(await getRegistration(queueName)).toMatchObject({ paused: false });
  });
});
