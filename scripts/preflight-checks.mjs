// What `npm start`, `npm test` and `npm run bridge` need from the machine, checked before anything
// TypeScript runs. Plain JavaScript that old Node versions still parse: an old Node must get this
// answer, not ERR_UNKNOWN_FILE_EXTENSION.
import { spawnSync } from 'node:child_process';

/** Node runs .ts files without a flag from 22.18 (and 23.6); vitest and wrangler need 22 too. */
const MIN_NODE = [22, 18];
const RECOMMENDED_NODE = 24;

export const GET_NODE = `nvm install ${RECOMMENDED_NODE}, or without nvm: npm install --prefix ~/.cache/queue-worker/node${RECOMMENDED_NODE} node@${RECOMMENDED_NODE} && export PATH=~/.cache/queue-worker/node${RECOMMENDED_NODE}/node_modules/.bin:$PATH (README, top)`;

export const INSTALL_REDIS = 'install Redis (Debian/Ubuntu: sudo apt-get install redis-server · macOS: brew install redis)';

/**
 * Why this Node cannot run the project, in one line, or undefined when it can.
 * @param {string} version as process.versions.node gives it, e.g. "20.11.1"
 * @returns {string | undefined}
 */
export const nodeVersionProblem = (version) => {
  const [major, minor] = version.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return undefined;
  return `Queue Worker needs Node.js ${RECOMMENDED_NODE} (at least ${MIN_NODE.join('.')}); this is Node ${version}. Get it: ${GET_NODE}`;
};

/**
 * Why redis-server cannot be started, in one line, or undefined when it is on PATH.
 * @returns {string | undefined}
 */
export const redisServerProblem = () => {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error ? `redis-server was not found on PATH (the tests start their own): ${INSTALL_REDIS}` : undefined;
};
