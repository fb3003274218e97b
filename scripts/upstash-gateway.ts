// A local stand-in for Upstash's Redis REST API in front of a real Redis, so the edge's
// @upstash/redis client runs unchanged in `npm start` and in tests. It speaks the protocol the client
// uses (node_modules/@upstash/redis, pkg/http.ts): POST with a JSON array body, to `/` (one
// command), `/pipeline` or `/multi-exec` (an array of commands); `Authorization: Bearer <token>`;
// answers `{ result }` / `{ error }` (an array of them for pipelines); with `Upstash-Encoding:
// base64` every string in a result is base64 of its bytes except the status reply "OK".
// In front of a Redis Cluster it talks cluster (ioredis follows MOVED/ASK to the right master), as
// real Upstash is never clustered from the client's view. Node-only (ioredis, node:http), hence here
// and not in src/.

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cluster, Redis, ReplyError, type ClusterNode } from 'ioredis';
import { parseJsonOrUndefined } from '../src/json.ts';

export interface UpstashGatewayOptions {
  /** The Redis behind the gateway, e.g. redis://127.0.0.1:26388 */
  redisUrl?: string;
  /** Or a Redis Cluster's seed nodes. */
  clusterNodes?: ClusterNode[];
  /** What clients must send as `Authorization: Bearer <token>` (UPSTASH_REDIS_REST_TOKEN). */
  token: string;
  port?: number;
  host?: string;
}

type Reply = Buffer | number | null | Reply[];
type Entry = { result: unknown } | { error: string };

const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const UNAUTHORIZED = 'WRONGPASS invalid or missing auth token';

class RequestError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
  }
}

/** A command's arguments as Redis receives them: strings as given, numbers and booleans as text. */
const toArgs = (command: unknown): string[] => {
  if (!Array.isArray(command) || command.length === 0) throw new RequestError(400, 'ERR a command must be a non-empty JSON array');
  const args = command.map((arg) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw new RequestError(400, `ERR command arguments must be strings, numbers or booleans, got ${arg === null ? 'null' : typeof arg}`);
  });
  // ioredis reshapes some replies (HGETALL into an object) keyed by the lowercase name; Redis does
  // not care about case, so the upper-case name gets the reply exactly as Redis sent it.
  args[0] = args[0].toUpperCase();
  return args;
};

const toCommands = (body: unknown): string[][] => {
  if (!Array.isArray(body) || body.length === 0) throw new RequestError(400, 'ERR body must be a non-empty JSON array of commands');
  return body.map(toArgs);
};

const encode = (reply: Reply, base64: boolean): unknown => {
  if (Array.isArray(reply)) return reply.map((item) => encode(item, base64));
  if (!Buffer.isBuffer(reply)) return reply;
  const text = reply.toString('utf8');
  return base64 && text !== 'OK' ? reply.toString('base64') : text;
};

const entry = (error: Error | null, reply: unknown, base64: boolean): Entry =>
  error ? { error: error.message } : { result: encode(reply as Reply, base64) };

/** EXECABORT alone does not say what was wrong; the first queued command's error does. */
const describeReplyError = (error: InstanceType<typeof ReplyError> & { previousErrors?: Error[] }): string =>
  error.previousErrors?.length ? `${error.message} ${error.previousErrors[0].message}` : error.message;

const readBody = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_REQUEST_BYTES) throw new RequestError(413, `ERR request body over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk);
  }
  const parsed = parseJsonOrUndefined(Buffer.concat(chunks).toString('utf8'));
  if (parsed === undefined) throw new RequestError(400, 'ERR body is not valid JSON');
  return parsed;
};

/** Commands fail after one retry, so an unreachable Redis answers 503 rather than hanging the edge. */
const connect = ({ redisUrl, clusterNodes }: Pick<UpstashGatewayOptions, 'redisUrl' | 'clusterNodes'>): Redis | Cluster => {
  if (clusterNodes) return new Cluster(clusterNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  if (redisUrl) return new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  throw new TypeError('UpstashGateway: give redisUrl or clusterNodes');
};

export class UpstashGateway {
  readonly #server: Server;
  readonly #redis: Redis | Cluster;
  readonly #token: Buffer;
  #closing?: Promise<void>;
  url = '';

  private constructor({ redisUrl, clusterNodes, token }: UpstashGatewayOptions) {
    if (!token) throw new TypeError('UpstashGateway: token must be a non-empty string');
    this.#token = Buffer.from(token);
    this.#redis = connect({ redisUrl, clusterNodes });
    this.#redis.on('error', () => {}); // each command reports its own failure; ioredis reconnects
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: UpstashGatewayOptions): Promise<UpstashGateway> {
    const gateway = new UpstashGateway(options);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      gateway.#server.once('error', reject);
      gateway.#server.listen(options.port ?? 0, host, () => resolve());
    });
    gateway.url = `http://${host}:${(gateway.#server.address() as AddressInfo).port}`;
    return gateway;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        this.#server.closeAllConnections();
      });
      this.#redis.disconnect();
    })();
    return this.#closing;
  }

  #authorized(req: IncomingMessage): boolean {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const given = Buffer.from(match?.[1] ?? '');
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (!this.#authorized(req)) throw new RequestError(401, UNAUTHORIZED);
      if (req.method !== 'POST') throw new RequestError(405, 'ERR only POST is supported');
      const base64 = String(req.headers['upstash-encoding']).toLowerCase() === 'base64';
      const body = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://gateway').pathname.replace(/\/+$/, '');
      switch (path) {
        case '':
          return send(200, await this.#single(toArgs(body), base64));
        case '/pipeline':
          if (this.#redis instanceof Cluster) return send(200, await this.#each(toCommands(body), base64));
          return send(200, await this.#batch(this.#redis.pipeline(), toCommands(body), base64));
        case '/multi-exec':
          return send(200, await this.#batch(this.#redis.multi(), toCommands(body), base64));
        default:
          throw new RequestError(404, `ERR unknown endpoint ${path}`);
      }
    } catch (error) {
      if (error instanceof RequestError) return send(error.status, { error: error.message });
      // Redis refused the request (a failed single command, EXECABORT): Upstash answers 400.
      if (error instanceof ReplyError) return send(400, { error: describeReplyError(error) });
      send(503, { error: `ERR redis unavailable: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  async #single([command, ...args]: string[], base64: boolean): Promise<Entry> {
    const reply = (await this.#redis.callBuffer(command, ...args)) as Reply;
    return entry(null, reply, base64);
  }

  /**
   * An Upstash pipeline is not atomic and may touch any keys, while a cluster pipelines only within
   * one slot: each command goes on its own (ioredis still writes them in order to each master).
   */
  #each(commands: string[][], base64: boolean): Promise<Entry[]> {
    return Promise.all(
      commands.map(([command, ...args]) =>
        this.#redis.callBuffer(command, ...args).then(
          (reply) => entry(null, reply, base64),
          (error: Error) => {
            if (error instanceof ReplyError) return entry(error, null, base64);
            throw error;
          },
        ),
      ),
    );
  }

  async #batch(batch: ReturnType<Redis['pipeline'] | Cluster['pipeline']>, commands: string[][], base64: boolean): Promise<Entry[]> {
    for (const [command, ...args] of commands) batch.callBuffer(command, ...args);
    const results = await batch.exec();
    if (!results) throw new RequestError(400, 'EXECABORT transaction aborted');
    return results.map(([error, reply]) => entry(error, reply, base64));
  }
}
