// MessagePack as BullMQ packs job arguments and options: its own packer, msgpackr, configured as
// its redis-queue-backend does. The bytes travel hex-encoded through Upstash's REST (JSON) protocol.

import { Packr } from 'msgpackr/pack';
import { toHex } from '../../src/hex.ts';

const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/** `value` packed and hex-encoded at once: pack() answers a view into a buffer it reuses. */
export const packHex = (value: unknown): string => toHex(packer.pack(value));
