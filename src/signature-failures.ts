// What each signature verification failure means, for 401 answers (never echoes the header itself).

import { SIGNATURE_TOLERANCE_SECONDS, HEADER_SIGNATURE } from './protocol.ts';
import type { VerifyFailure } from './signing.ts';

export const VERIFY_FAILURE_MESSAGES: Readonly<Record<VerifyFailure, string>> = {
  missing: `missing ${HEADER_SIGNATURE} header`,
  malformed: `malformed ${HEADER_SIGNATURE} header; expected t=<unix seconds>,v1=<64 hex>[,v1=<64 hex>]`,
  expired: `signature timestamp is outside the ${SIGNATURE_TOLERANCE_SECONDS / 60}-minute window`,
  mismatch: 'signature does not match',
};
