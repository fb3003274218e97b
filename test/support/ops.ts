// Calling a bridge's operations routes in tests: the two tokens every ops test bridge runs with,
// and one fetch helper that answers status and parsed JSON.

export const OPS_READ_TOKEN = 'ops-read-token-for-tests-0001';
export const OPS_TOKEN = 'ops-act-token-for-tests-000001';
export const OPS_ENV = { OPS_READ_TOKEN, OPS_TOKEN };

interface JobPageBody {
  jobs: { id: string }[];
  nextCursor: string | null;
}

// Tests read answers field by field; `any` keeps that readable where the shape is what is tested.
export interface OpsAnswer<T = any> {
  status: number;
  body: T;
}

export const opsFetch = async <T = any>(
  bridgeUrl: string,
  path: string,
  { method = 'GET', body, token = OPS_TOKEN }: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<OpsAnswer<T>> => {
  const response = await fetch(`${bridgeUrl}/ops${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
};

/** Every page of a state's jobs, following nextCursor; `between` runs after each page (jobs moving). */
export const allPages = async (
  bridgeUrl: string,
  queue: string,
  state: string,
  limit: number,
  between: (page: number) => Promise<void> = async () => {},
): Promise<string[]> => {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const query: string = `state=${state}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const { status, body }: OpsAnswer<JobPageBody> = await opsFetch<JobPageBody>(bridgeUrl, `/queues/${queue}/jobs?${query}`, { token: OPS_READ_TOKEN });
    if (status !== 200) throw new Error(`listing ${state} → ${status}: ${JSON.stringify(body)}`);
    ids.push(...body.jobs.map((job) => job.id));
    cursor = body.nextCursor;
    if (!cursor) return ids;
    await between(page);
  }
};
