// Where the CLI finds the tiers and its tokens: a flag, else the environment variable of the same
// meaning (commander reads it). A setting a command needs but lacks is a usage error naming both.

import { UsageError } from './errors.ts';
import { TierClient } from './tier-client.ts';

export interface GlobalOptions {
  edgeUrl?: string;
  bridgeUrl?: string;
  adminToken?: string;
  opsToken?: string;
  opsReadToken?: string;
  json?: boolean;
}

/** Flag and environment variable of each setting, for the option definitions and the messages. */
export const SETTINGS = {
  edgeUrl: { flag: '--edge-url <url>', env: 'EDGE_URL', help: "the edge's URL (the Worker)" },
  bridgeUrl: { flag: '--bridge-url <url>', env: 'BRIDGE_URL', help: "a bridge's URL (its HTTP port)" },
  adminToken: { flag: '--admin-token <token>', env: 'ADMIN_TOKEN', help: "the edge's admin token (prefer the environment: flags show in ps)" },
  opsToken: { flag: '--ops-token <token>', env: 'OPS_TOKEN', help: "the bridge's ops token: reads and acts" },
  opsReadToken: { flag: '--ops-read-token <token>', env: 'OPS_READ_TOKEN', help: "the bridge's read-only ops token" },
} as const;

type SettingName = keyof typeof SETTINGS;

const longFlag = (name: SettingName): string => SETTINGS[name].flag.split(' ')[0];

const required = (options: GlobalOptions, name: SettingName): string => {
  const value = options[name]?.trim();
  if (!value) throw new UsageError(`${SETTINGS[name].env} is not set (or pass ${longFlag(name)})`);
  return value;
};

const tierUrl = (options: GlobalOptions, name: 'edgeUrl' | 'bridgeUrl'): URL => {
  const value = required(options, name);
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`${SETTINGS[name].env} must be an http(s) URL`);
  return url;
};

/** The edge without a token: its public routes (/health). */
export const edgePublic = (options: GlobalOptions): TierClient => new TierClient('edge', tierUrl(options, 'edgeUrl'));

/** The edge's admin routes. */
export const edgeAdmin = (options: GlobalOptions): TierClient => new TierClient('edge', tierUrl(options, 'edgeUrl'), required(options, 'adminToken'));

/** The bridge's open routes (/health, /internal/status). */
export const bridgePublic = (options: GlobalOptions): TierClient => new TierClient('bridge', tierUrl(options, 'bridgeUrl'));

/** The bridge's ops routes: acting takes OPS_TOKEN; reading takes either, OPS_TOKEN first. */
export const bridgeOps = (options: GlobalOptions, scope: 'read' | 'act'): TierClient => {
  const url = tierUrl(options, 'bridgeUrl');
  if (scope === 'act') return new TierClient('bridge', url, required(options, 'opsToken'));
  const token = options.opsToken?.trim() || options.opsReadToken?.trim();
  if (!token) throw new UsageError(`${SETTINGS.opsReadToken.env} or ${SETTINGS.opsToken.env} is not set (or pass ${longFlag('opsReadToken')})`);
  return new TierClient('bridge', url, token);
};
