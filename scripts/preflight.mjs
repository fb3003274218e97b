// Runs first in `npm start`, `npm test` and `npm run bridge`:
//   node scripts/preflight.mjs [--redis-server]
// Exits 1 with one line per problem; --redis-server also wants redis-server on PATH (the tests).
import { nodeVersionProblem, redisServerProblem } from './preflight-checks.mjs';

const problems = [nodeVersionProblem(process.versions.node)];
if (process.argv.includes('--redis-server')) problems.push(redisServerProblem());
const found = problems.filter(Boolean);
for (const problem of found) process.stderr.write(`${problem}\n`);
if (found.length > 0) process.exit(1);
