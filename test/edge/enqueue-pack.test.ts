// The edge packs a job's arguments and options inside workerd exactly as BullMQ does in Node (the
// whole ARGV is compared with a real Queue.add in test/node/enqueue/bullmq-parity.test.ts).
import { describe, expect, inject, it } from 'vitest';
import { packHex } from '../../worker/enqueue/pack.ts';
import { MSGPACK_CASES } from '../support/msgpack-cases.ts';

describe('msgpack in workerd', () => {
  const reference = inject('msgpackReference');

  it.each(Object.entries(MSGPACK_CASES))('packs %s byte for byte as msgpackr does in Node', (name, value) => {
    expect(reference[name]).toMatch(/^[0-9a-f]+$/);
    expect(packHex(value)).toBe(reference[name]);
  });
});
