// The endpoint policy in workerd, over every address notation the SSRF report (issue 11) used and
// the ones WHATWG URL parsing might hide: each must land in the right class whatever its spelling.

import { describe, expect, it } from 'vitest';
import { checkEndpoint, checkFeatureTarget, checkPath, type EndpointPolicyOptions, type EndpointRefusal } from '../../src/endpoint-policy.ts';

const SELF = 'https://edge.example';
const STRICT: EndpointPolicyOptions = { allowPrivateEndpoints: false, selfOrigin: SELF };
const LOCAL_DEV: EndpointPolicyOptions = { allowPrivateEndpoints: true, selfOrigin: SELF };
const METADATA_MESSAGE = 'must not be a link-local or cloud metadata address';

const messageOf = (endpoint: string, options: EndpointPolicyOptions): string => {
  const verdict = checkEndpoint(endpoint, options);
  return verdict.ok ? '' : verdict.message;
};
const reasonOf = (endpoint: string, options: EndpointPolicyOptions): EndpointRefusal | 'ok' => {
  const verdict = checkEndpoint(endpoint, options);
  return verdict.ok ? 'ok' : verdict.reason;
};

/** Refused in production, allowed with ALLOW_PRIVATE_ENDPOINTS=true. */
const PRIVATE_UNLESS_ALLOWED: [string, EndpointRefusal][] = [
  ['http://127.0.0.1:26388', 'loopback'], // the test Redis
  ['http://localhost:6379', 'loopback'],
  ['http://LOCALHOST.:6379', 'loopback'],
  ['http://localhost..', 'loopback'],
  ['http://redis.localhost', 'loopback'],
  ['http://%6c%6fcalhost', 'loopback'],
  ['http://[::1]', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]:6379', 'loopback'],
  ['http://0x7f000001', 'loopback'],
  ['http://2130706433', 'loopback'],
  ['http://0177.0.0.1', 'loopback'],
  ['http://127.1', 'loopback'],
  ['http://0x7f.1', 'loopback'],
  ['http://127.0.0.1.', 'loopback'],
  ['http://127.255.255.254', 'loopback'],
  ['http://[::ffff:127.0.0.1]', 'loopback'],
  ['http://[::ffff:7f00:1]', 'loopback'],
  ['http://[::127.0.0.1]', 'loopback'], // IPv4-compatible
  ['http://[64:ff9b::127.0.0.1]', 'loopback'], // NAT64
  ['http://[2002:7f00:1::]', 'loopback'], // 6to4
  ['http://10.0.0.1', 'private'],
  ['http://10.255.255.255', 'private'],
  ['http://167772161', 'private'], // 10.0.0.1 in decimal
  ['http://192.168.1.1', 'private'],
  ['http://0xc0a80101', 'private'],
  ['http://172.16.0.1', 'private'],
  ['http://172.31.255.255', 'private'],
  ['http://100.64.0.1', 'private'],
  ['http://100.127.255.255', 'private'],
  ['http://[::ffff:10.0.0.1]', 'private'],
  ['http://[64:ff9b::10.1.2.3]', 'private'],
  ['http://[fc00::1]', 'private'],
  ['http://[fd12:3456::1]:8080', 'private'],
  ['http://0.0.0.0', 'unspecified'],
  ['http://0', 'unspecified'],
  ['http://0.1.2.3', 'unspecified'],
  ['http://[::]', 'unspecified'],
  ['http://[::ffff:0.0.0.0]', 'unspecified'],
];

/** Refused whatever the flag says. */
const ALWAYS_REFUSED: [string, EndpointRefusal][] = [
  ['http://169.254.169.254/latest/meta-data', 'link_local'],
  ['http://2852039166', 'link_local'], // 169.254.169.254 in decimal
  ['http://0xa9fea9fe', 'link_local'],
  ['http://169.254.0.1', 'link_local'],
  ['http://[::ffff:169.254.169.254]', 'link_local'],
  ['http://[64:ff9b::169.254.169.254]', 'link_local'],
  ['http://[fe80::1]', 'link_local'],
  ['http://[febf:ffff::1]', 'link_local'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
  ['http://METADATA.GOOGLE.INTERNAL.', 'metadata'],
  ['http://metadata.goog', 'metadata'],
  ['http://metadata', 'metadata'],
  ['http://instance-data', 'metadata'],
  ['http://instance-data.ec2.internal', 'metadata'],
  ['http://100.100.100.200', 'metadata'], // Alibaba Cloud, inside 100.64/10
  ['http://[fd00:ec2::254]', 'metadata'], // AWS IMDS over IPv6, inside fc00::/7
  [SELF, 'self'],
  ['http://edge.example', 'self'],
  ['https://EDGE.example.:443/internal', 'self'],
  ['http://edge.example:80/', 'self'],
];

const PUBLIC = [
  'https://api.example.com',
  'http://email-api:3020',
  'https://email-api.example:8443/v1',
  'http://8.8.8.8',
  'http://[2606:4700:4700::1111]',
  'http://[::ffff:8.8.8.8]',
  'http://[64:ff9b::8.8.8.8]',
  'http://11.0.0.1',
  'http://172.15.255.255',
  'http://172.32.0.1',
  'http://100.63.255.255',
  'http://100.128.0.1',
  'http://169.255.0.1',
  'http://192.169.0.1',
  'http://localhost.example.com',
  'http://metadata.example.com',
  'https://edge.example:8443', // another port than the edge's own
  'https://edge.example.com',
];

describe('checkEndpoint', () => {
  it.each(PRIVATE_UNLESS_ALLOWED)('refuses %s as %s, and allows it with ALLOW_PRIVATE_ENDPOINTS', (endpoint, reason) => {
    expect(reasonOf(endpoint, STRICT)).toBe(reason);
    expect(reasonOf(endpoint, LOCAL_DEV)).toBe('ok');
  });

  it.each(ALWAYS_REFUSED)('refuses %s as %s even with ALLOW_PRIVATE_ENDPOINTS', (endpoint, reason) => {
    expect(reasonOf(endpoint, STRICT)).toBe(reason);
    expect(reasonOf(endpoint, LOCAL_DEV)).toBe(reason);
  });

  it.each(PUBLIC)('accepts the public %s', (endpoint) => {
    expect(reasonOf(endpoint, STRICT)).toBe('ok');
  });

  it.each([
    ['ftp://email-api/jobs', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['not a url', 'malformed'],
    ['http://./', 'malformed'],
    ['http://user:secret@email-api', 'credentials'],
    ['http://email-api/?x=1', 'query'],
    ['http://email-api/#f', 'query'],
  ])('refuses the malformed %s as %s', (endpoint, reason) => {
    expect(reasonOf(endpoint, LOCAL_DEV)).toBe(reason);
  });

  it("treats every way of reaching a local edge's port as the edge itself, and other local ports as local", () => {
    const local: EndpointPolicyOptions = { allowPrivateEndpoints: true, selfOrigin: 'http://127.0.0.1:8787' };
    for (const endpoint of ['http://127.0.0.1:8787', 'http://localhost:8787/x', 'http://[::1]:8787', 'http://0.0.0.0:8787', 'http://2130706433:8787']) {
      expect(reasonOf(endpoint, local), endpoint).toBe('self');
    }
    expect(reasonOf('http://127.0.0.1:3020', local)).toBe('ok');
    expect(reasonOf('http://10.0.0.1:8787', local)).toBe('ok');
  });

  it('says which rule, names the flag only where it helps, and never echoes the URL', () => {
    expect(messageOf('http://user:secret@169.254.169.254', LOCAL_DEV)).toBe('must not contain credentials');
    expect(messageOf('http://169.254.169.254', LOCAL_DEV)).toBe(METADATA_MESSAGE);
    expect(messageOf(SELF, LOCAL_DEV)).toBe("must not be the edge's own origin");
    const loopback = messageOf('http://127.0.0.1:26388', STRICT);
    expect(loopback).toMatch(/loopback.*ALLOW_PRIVATE_ENDPOINTS=true/);
    expect(loopback).not.toContain('26388');
  });
});

describe('checkPath', () => {
  it.each(['/internal/process-job', '/v1/jobs.json', '/a/.../b', '/a/..b', '/.well-known/jobs', '/a%20b', '/100%', '/'])('accepts %s', (path) => {
    expect(checkPath(path)).toEqual({ ok: true });
  });

  it.each([
    ['/../../admin', 'dot_segment'],
    ['/a/./b', 'dot_segment'],
    ['/a/..', 'dot_segment'],
    ['/%2e%2e/admin', 'dot_segment'],
    ['/%2E%2e/admin', 'dot_segment'],
    ['/.%2E/admin', 'dot_segment'],
    ['/%2e/admin', 'dot_segment'],
    ['/%252e%252e/admin', 'dot_segment'], // encoded twice
    ['/a/..%2fadmin', 'dot_segment'],
    ['/..;/admin', 'dot_segment'],
    ['/a\\..\\admin', 'backslash'],
    ['/a%5c..%5cadmin', 'backslash'],
  ])('refuses %s as %s', (path, reason) => {
    expect(checkPath(path)).toMatchObject({ ok: false, reason });
  });
});

describe('checkFeatureTarget', () => {
  it('refuses on the endpoint first, then on the path', () => {
    expect(checkFeatureTarget('http://169.254.169.254', '/../x', LOCAL_DEV)).toMatchObject({ reason: 'link_local' });
    expect(checkFeatureTarget('https://api.example.com', '/../x', STRICT)).toMatchObject({ reason: 'dot_segment' });
    expect(checkFeatureTarget('https://api.example.com', '/internal/process-job', STRICT)).toEqual({ ok: true });
  });
});
