#!/usr/bin/env node
// The package's `queue-worker` bin (Node ≥ 22.18 runs this .ts file directly). See program.ts.
import { run } from './program.ts';

process.exitCode = await run(process.argv.slice(2));
