// The operator console over plain HTTP in tests: log in with a token, keep the session cookie, and
// call the console's pages and bull-board's API the way the browser does.

export interface ConsoleAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export class ConsoleClient {
  readonly #url: string;
  readonly #cookie: string;
  /** The whole Set-Cookie header the login answered with, for tests of its flags. */
  readonly setCookie: string;

  private constructor(url: string, setCookie: string) {
    this.#url = url;
    this.setCookie = setCookie;
    this.#cookie = setCookie.split(';')[0];
  }

  /** Posts the login form; throws unless the bridge answers with a session cookie. */
  static async login(bridgeUrl: string, token: string): Promise<ConsoleClient> {
    const answer = await postLogin(bridgeUrl, token);
    const setCookie = answer.headers.get('set-cookie');
    if (answer.status !== 303 || !setCookie) throw new Error(`login answered ${answer.status} without a session: ${answer.text.slice(0, 200)}`);
    return new ConsoleClient(bridgeUrl, setCookie);
  }

  request(path: string, { method = 'GET', body, headers = {} }: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<ConsoleAnswer> {
    return send(`${this.#url}${path}`, { method, body, headers: { Cookie: this.#cookie, ...headers } });
  }
}

export const postLogin = (bridgeUrl: string, token: string): Promise<ConsoleAnswer> =>
  send(`${bridgeUrl}/ui/login`, { method: 'POST', body: new URLSearchParams({ token }).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

export const send = async (url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<ConsoleAnswer> => {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  return { status: response.status, headers: response.headers, text: await response.text() };
};
