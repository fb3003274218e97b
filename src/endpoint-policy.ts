// Which feature URLs the edge may call (ARCHITECTURE "Endpoints"): the guard against registrations
// that point the edge at itself, at cloud metadata or into a private network. Checked when a
// registration is written and again before every feature call.
//
// Hosts are judged after WHATWG URL parsing, which already rewrites every IPv4 notation (decimal
// 2130706433, hex 0x7f000001, octal 0177.0.0.1, short 127.1, a trailing dot) to a dotted quad,
// lowercases and IDNA-maps names (%6c%6fcalhost and ⓛocalhost become localhost) and compresses
// IPv6 to hex pieces; so only those canonical forms need classifying here. Names are not resolved:
// a public name whose DNS answers a private address is outside what a parse can decide.

export type EndpointRefusal =
  | 'malformed'
  | 'scheme'
  | 'credentials'
  | 'query'
  | 'loopback'
  | 'private'
  | 'unspecified'
  | 'link_local'
  | 'metadata'
  | 'self'
  | 'dot_segment'
  | 'backslash';

export type EndpointCheck = { ok: true } | { ok: false; reason: EndpointRefusal; message: string };

export interface EndpointPolicyOptions {
  /** ALLOW_PRIVATE_ENDPOINTS=true: loopback, private and unspecified addresses and localhost may be called (local development). */
  allowPrivateEndpoints: boolean;
  /** The edge's own origin, as the request being served reached it; never a feature. */
  selfOrigin: string;
}

type AddressClass = 'public' | 'loopback' | 'private' | 'unspecified' | 'link_local' | 'metadata';

const ALLOWED_BY_FLAG = ' (ALLOW_PRIVATE_ENDPOINTS=true allows it for local development)';
const LINK_LOCAL_OR_METADATA = 'must not be a link-local or cloud metadata address';

const REFUSAL_MESSAGES: Readonly<Record<EndpointRefusal, string>> = {
  malformed: 'must be an absolute http(s) URL naming a host',
  scheme: 'must use http or https',
  credentials: 'must not contain credentials',
  query: 'must not contain a query string or fragment',
  loopback: `must not be a loopback address or localhost${ALLOWED_BY_FLAG}`,
  private: `must not be a private network address (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)${ALLOWED_BY_FLAG}`,
  unspecified: `must not be an unspecified address (0.0.0.0/8, ::)${ALLOWED_BY_FLAG}`,
  link_local: LINK_LOCAL_OR_METADATA,
  metadata: LINK_LOCAL_OR_METADATA,
  self: "must not be the edge's own origin",
  dot_segment: "must not contain '.' or '..' segments (also percent-encoded)",
  backslash: 'must not contain a backslash (also percent-encoded)',
};

/** Classes that reach this machine itself: two such hosts on one port are one server. */
const THIS_MACHINE = new Set<AddressClass>(['loopback', 'unspecified']);

/** Checked before the ranges: these sit inside ranges the flag would otherwise allow. */
const METADATA_IPV4 = new Set([
  '100.100.100.200', // Alibaba Cloud, inside 100.64/10
]);
const METADATA_IPV6 = new Set([
  'fd00:ec2::254', // AWS IMDS over IPv6, inside fc00::/7
]);
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** [first address, prefix length, class]; 169.254.169.254 (AWS, GCP, Azure, Oracle metadata) is link-local. */
const IPV4_RANGES: readonly [string, number, AddressClass][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['169.254.0.0', 16, 'link_local'],
];

const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** Web ports count as one: an edge on a domain answers both http and https. */
const WEB_PORTS = new Set(['', '80', '443']);
const PERCENT_ENCODED = /%([0-9a-f]{2})/gi;

const ok: EndpointCheck = { ok: true };
const refuse = (reason: EndpointRefusal): EndpointCheck => ({ ok: false, reason, message: REFUSAL_MESSAGES[reason] });

const ipv4Number = (dotted: string): number => dotted.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

const PARSED_IPV4_RANGES = IPV4_RANGES.map(([first, bits, kind]) => ({ first: ipv4Number(first), size: 2 ** (32 - bits), kind }));

const classifyIpv4 = (n: number): AddressClass =>
  PARSED_IPV4_RANGES.find(({ first, size }) => n >= first && n < first + size)?.kind ?? 'public';

/** The eight 16-bit pieces of a compressed IPv6 address as WHATWG URL serialises it (no brackets). */
const ipv6Pieces = (text: string): number[] | undefined => {
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((hex) => Number.parseInt(hex, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const pieces = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return pieces.length === 8 && pieces.every((piece) => Number.isInteger(piece) && piece >= 0 && piece <= 0xffff) ? pieces : undefined;
};

const zero = (pieces: number[], from: number, to: number): boolean => pieces.slice(from, to).every((piece) => piece === 0);

/** The IPv4 address an IPv6 address carries to an IPv4 host: mapped, compatible, NAT64 or 6to4. */
const embeddedIpv4 = (p: number[]): number | undefined => {
  const v4 = (high: number, low: number) => high * 0x10000 + low;
  if (zero(p, 0, 5) && p[5] === 0xffff) return v4(p[6], p[7]); // ::ffff:a.b.c.d
  if (zero(p, 0, 6)) return v4(p[6], p[7]); // ::a.b.c.d (deprecated "compatible")
  if (p[0] === 0x64 && p[1] === 0xff9b && zero(p, 2, 6)) return v4(p[6], p[7]); // 64:ff9b::/96 NAT64
  if (p[0] === 0x2002) return v4(p[1], p[2]); // 2002::/16 6to4
  return undefined;
};

const classifyIpv6 = (text: string): AddressClass | undefined => {
  if (METADATA_IPV6.has(text)) return 'metadata';
  const p = ipv6Pieces(text);
  if (!p) return undefined;
  if (zero(p, 0, 8)) return 'unspecified';
  if (zero(p, 0, 7) && p[7] === 1) return 'loopback';
  if ((p[0] & 0xffc0) === 0xfe80) return 'link_local';
  if ((p[0] & 0xfe00) === 0xfc00 || (p[0] & 0xffc0) === 0xfec0) return 'private'; // unique-local, old site-local
  const v4 = embeddedIpv4(p);
  return v4 === undefined ? 'public' : classifyIpv4(v4);
};

/** The URL's host without brackets or trailing dots (`localhost.` is `localhost`). */
const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');

/** undefined when the host cannot be read (never for a host WHATWG URL accepted). */
const classifyHost = (url: URL): AddressClass | undefined => {
  const host = bareHost(url);
  if (url.hostname.startsWith('[')) return classifyIpv6(host);
  if (DOTTED_QUAD.test(host)) return METADATA_IPV4.has(host) ? 'metadata' : classifyIpv4(ipv4Number(host));
  if (METADATA_HOSTS.has(host)) return 'metadata';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return 'public';
};

const webPort = (url: URL): string => (WEB_PORTS.has(url.port) ? '' : url.port);

/** Whether `url` reaches the server at `self`: same host and port, or both this machine on one port. */
const isSelf = (url: URL, urlClass: AddressClass, self: URL | undefined): boolean => {
  if (!self || webPort(url) !== webPort(self)) return false;
  if (bareHost(url) === bareHost(self)) return true;
  const selfClass = classifyHost(self);
  return THIS_MACHINE.has(urlClass) && selfClass !== undefined && THIS_MACHINE.has(selfClass);
};

const parseUrl = (text: string): URL | undefined => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

const checkShape = (url: URL): EndpointCheck => {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('scheme');
  if (bareHost(url) === '') return refuse('malformed');
  if (url.username || url.password) return refuse('credentials');
  if (url.search || url.hash) return refuse('query');
  return ok;
};

/** `http(s)://host[:port][/prefix]`: the shape alone, whatever the host is. */
export const checkEndpointShape = (endpoint: string): EndpointCheck => {
  const url = parseUrl(endpoint);
  return url ? checkShape(url) : refuse('malformed');
};

/** The shape, then the host: never link-local, metadata or the edge itself; private only when allowed. */
export const checkEndpoint = (endpoint: string, { allowPrivateEndpoints, selfOrigin }: EndpointPolicyOptions): EndpointCheck => {
  const url = parseUrl(endpoint);
  if (!url) return refuse('malformed');
  const shape = checkShape(url);
  if (!shape.ok) return shape;
  const kind = classifyHost(url);
  // Fail closed on a host this module cannot read (WHATWG URL never hands it one).
  if (kind === undefined) return refuse('malformed');
  if (kind === 'link_local' || kind === 'metadata') return refuse(kind);
  if (isSelf(url, kind, parseUrl(selfOrigin))) return refuse('self');
  if (kind !== 'public' && !allowPrivateEndpoints) return refuse(kind);
  return ok;
};

const decodeOnce = (text: string): string => text.replace(PERCENT_ENCODED, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** `text` with %XX decoded until nothing changes, so %252e%252e is seen as the '..' it may become. */
const fullyDecoded = (text: string): string => {
  let current = text;
  let next = decodeOnce(current);
  while (next !== current) {
    current = next;
    next = decodeOnce(current);
  }
  return current;
};

/**
 * A feature path has no '.' or '..' segment in any spelling a server might decode: percent-encoded
 * (once or more), behind a backslash, or with `;parameters` (`/..;/`, which some servers strip).
 */
export const checkPath = (path: string): EndpointCheck => {
  const decoded = fullyDecoded(path);
  if (decoded.includes('\\')) return refuse('backslash');
  const segments = decoded.split('/').map((segment) => segment.split(';', 1)[0]);
  if (segments.some((segment) => segment === '.' || segment === '..')) return refuse('dot_segment');
  return ok;
};

/** Both, for the URL a feature call is about to fetch. */
export const checkFeatureTarget = (endpoint: string, path: string, options: EndpointPolicyOptions): EndpointCheck => {
  const endpointCheck = checkEndpoint(endpoint, options);
  return endpointCheck.ok ? checkPath(path) : endpointCheck;
};
