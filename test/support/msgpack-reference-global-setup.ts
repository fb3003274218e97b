// The bytes BullMQ's packer writes in Node for each MSGPACK_CASES value, handed to the workerd tests.
import { Packr } from 'msgpackr'; // bullmq's own packer, as bullmq configures it
import type { TestProject } from 'vitest/node';
import { MSGPACK_CASES } from './msgpack-cases.ts';

export default function setup(project: TestProject) {
  const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });
  project.provide('msgpackReference', Object.fromEntries(Object.entries(MSGPACK_CASES).map(([name, value]) => [name, packer.pack(value).toString('hex')])));
}
