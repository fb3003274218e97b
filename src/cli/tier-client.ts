// One tier's HTTP API (edge or bridge) as the CLI calls it: JSON in and out, a bearer token, and
// every failure turned into a CliError with the right exit code. Messages name the tier and its
// origin, never a token or a URL's credentials.

import { isPlainObject, parseJsonOrUndefined } from '../json.ts';
import { RequestFailedError, TierUnreachableError } from './errors.ts';

const REQUEST_TIMEOUT_MS = 30_000;

export type Tier = 'edge' | 'bridge';

export interface TierRequest {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses beyond 2xx that are answers, not failures (503 from /health). */
  accept?: number[];
}

export interface TierResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export class TierClient {
  readonly tier: Tier;
  readonly origin: string;
  readonly #baseUrl: URL;
  readonly #token?: string;

  constructor(tier: Tier, baseUrl: URL, token?: string) {
    this.tier = tier;
    this.#baseUrl = baseUrl;
    this.origin = baseUrl.origin;
    this.#token = token;
  }

  async request<T>(path: string, { method = 'GET', body, headers = {}, accept = [] }: TierRequest = {}): Promise<TierResponse<T>> {
    const url = new URL(`${this.#baseUrl.pathname.replace(/\/$/, '')}${path}`, this.#baseUrl);
    const requestHeaders: Record<string, string> = { Accept: 'application/json', ...headers };
    if (this.#token !== undefined) requestHeaders.Authorization = `Bearer ${this.#token}`;
    if (body !== undefined) requestHeaders['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: requestHeaders,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new TierUnreachableError(this.tier, this.origin, error);
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : parseJsonOrUndefined(text);
    if (!response.ok && !accept.includes(response.status)) {
      const error = isPlainObject(parsed) && isPlainObject(parsed.error) ? parsed.error : {};
      const code = typeof error.code === 'string' ? error.code : 'error';
      const message = typeof error.message === 'string' ? error.message : `${method} ${url.pathname} failed`;
      throw new RequestFailedError(this.tier, response.status, code, message);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}
