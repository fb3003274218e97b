// The local Upstash REST gateway, driven by the real @upstash/redis client and checked against
// ioredis talking to the same Redis.

import { Redis as Upstash, type RedisConfigNodejs } from '@upstash/redis';
import type { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../support/redis.ts';
import { teardown } from '../../support/teardown.ts';
import { UpstashGateway } from '../../../scripts/upstash-gateway.ts';

const TOKEN = 'gateway-test-token';

let redis: RedisServer;
let gateway: UpstashGateway;
let direct: IORedis;
/** Raw strings, as ioredis returns them. */
let raw: Upstash;
/** The client as an application would configure it (JSON values deserialised). */
let app: Upstash;
let keyCounter = 0;

const key = (label: string) => `gw:${label}:${++keyCounter}`;
const client = (options: Partial<RedisConfigNodejs> = {}) =>
  new Upstash({ url: gateway.url, token: TOKEN, enableTelemetry: false, retry: false, ...options });

beforeAll(async () => {
  redis = await RedisServer.start();
  gateway = await UpstashGateway.start({ redisUrl: redis.url, token: TOKEN });
  direct = redis.client();
  raw = client({ automaticDeserialization: false });
  app = client();
});

afterAll(() =>
  teardown(
    () => direct?.disconnect(),
    () => gateway?.close(),
    () => redis?.close(),
  ),
);

describe('UpstashGateway', () => {
  it('runs string commands with the same answers as Redis', async () => {
    const k = key('str');
    expect(await raw.set(k, 'héllo wörld ✓')).toBe('OK');
    expect(await raw.get(k)).toBe(await direct.get(k));
    expect(await raw.get(k)).toBe('héllo wörld ✓');
    expect(await raw.append(k, '!')).toBe(await direct.strlen(k));
    expect(await raw.get(key('missing'))).toBeNull();

    const counter = key('counter');
    expect(await raw.incr(counter)).toBe(1);
    expect(await raw.incrby(counter, 41)).toBe(42);
    expect(await direct.get(counter)).toBe('42');

    const literalOk = key('ok');
    await direct.set(literalOk, 'OK');
    expect(await raw.get(literalOk)).toBe('OK');
  });

  it('round-trips JSON values for an application client, as Upstash does', async () => {
    const k = key('json');
    await app.set(k, { to: 'a@example.com', n: 3 });
    expect(await app.get(k)).toEqual({ to: 'a@example.com', n: 3 });
    expect(JSON.parse((await direct.get(k)) ?? '')).toEqual({ to: 'a@example.com', n: 3 });
  });

  it('runs hash and list commands with the same answers as Redis', async () => {
    const h = key('hash');
    expect(await raw.hset(h, { name: 'email', count: '3', emoji: '📬' })).toBe(3);
    expect(await raw.hgetall(h)).toEqual(Object.entries(await direct.hgetall(h)).flat());
    expect(await app.hgetall(h)).toEqual({ name: 'email', count: 3, emoji: '📬' });
    expect(await raw.hget(h, 'emoji')).toBe('📬');
    expect(await raw.hincrby(h, 'count', 2)).toBe(5);

    const l = key('list');
    await raw.lpush(l, 'a', 'b', 'c');
    expect(await raw.lrange(l, 0, -1)).toEqual(await direct.lrange(l, 0, -1));
    expect(await raw.llen(l)).toBe(3);
  });

  it('evaluates a Lua script, nested tables and all', async () => {
    const k = key('lua');
    const script = `
      redis.call('SET', KEYS[1], ARGV[1])
      return { redis.call('GET', KEYS[1]), tonumber(ARGV[2]) * 2, { 'nested', 7 }, false }
    `;
    const viaGateway = await raw.eval(script, [k], ['välue', '21']);
    const viaRedis = await direct.eval(script, 1, k, 'välue', '21');
    expect(viaGateway).toEqual(viaRedis);
    expect(viaGateway).toEqual(['välue', 42, ['nested', 7], null]);

    const sha = await raw.scriptLoad(script);
    expect(await raw.evalsha(sha, [k], ['again', '1'])).toEqual(['again', 2, ['nested', 7], null]);
  });

  it('runs a pipeline and reports each command', async () => {
    const k = key('pipe');
    const results = await raw.pipeline().set(k, '1').incr(k).get(k).hset(key('ph'), { a: '1' }).exec();
    expect(results).toEqual(['OK', 2, '2', 1]);

    const withError = await raw.pipeline().set(k, 'text').incr(k).get(k).exec({ keepErrors: true });
    const [, incr, get] = withError;
    expect(incr.error).toMatch(/^ERR value is not an integer/);
    expect(get.result).toBe('text');
  });

  it('runs multi-exec as one transaction', async () => {
    const k = key('tx');
    expect(await raw.multi().set(k, '10').incrby(k, 5).get(k).exec()).toEqual(['OK', 15, '15']);
    expect(await direct.get(k)).toBe('15');
    await expect(raw.multi().set(k, 'word').incr(k).exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR value is not an integer/);
    expect(await direct.get(k)).toBe('word');
  });

  it('reports Redis errors the way the client expects', async () => {
    const k = key('err');
    await direct.set(k, 'not a number');
    const directError = await direct.incr(k).catch((error: Error) => error.message);
    await expect(raw.incr(k)).rejects.toThrow(directError);
    await expect(raw.eval('return redis.call("NOPE")', [], [])).rejects.toThrow(/Unknown Redis command/i);
  });

  it('answers without base64 when the client does not ask for it', async () => {
    const plain = client({ responseEncoding: false, automaticDeserialization: false });
    const k = key('plain');
    await plain.set(k, 'ünïcode');
    expect(await plain.get(k)).toBe('ünïcode');
    expect(await plain.lrange(key('none'), 0, -1)).toEqual([]);
  });

  it('refuses a wrong or missing token and touches nothing', async () => {
    const k = key('auth');
    const wrong = new Upstash({ url: gateway.url, token: 'wrong-token', enableTelemetry: false, retry: false });
    await expect(wrong.set(k, 'x')).rejects.toThrow(/WRONGPASS/);
    const response = await fetch(gateway.url, { method: 'POST', body: JSON.stringify(['SET', k, 'x']) });
    expect(response.status).toBe(401);
    expect(await direct.exists(k)).toBe(0);
  });

  it('answers 400 to a body that is not a command', async () => {
    for (const body of ['not json', '[]', '{"a":1}', '[["SET"], 5]']) {
      const response = await fetch(`${gateway.url}/pipeline`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body });
      expect(response.status, body).toBe(400);
      expect(await response.json()).toEqual({ error: expect.stringMatching(/^ERR /) });
    }
  });
});
