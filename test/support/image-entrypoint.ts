// The bridge's command line as its image runs it, read from the Dockerfile's ENTRYPOINT, so that a
// bench runs the bundle with the same Node flags as the container (they change its memory and CPU).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));
const ENTRYPOINT = /^ENTRYPOINT\s+(\[.*\])\s*$/m;
const BUNDLE = 'dist/bridge/main.mjs';

/** The arguments the image gives `node` before the bundle, e.g. ['--max-semi-space-size=4']. */
export const imageNodeFlags = (): string[] => {
  const json = ENTRYPOINT.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1];
  const command = json === undefined ? undefined : (JSON.parse(json) as unknown);
  if (!Array.isArray(command) || command[0] !== 'node' || command.at(-1) !== BUNDLE) {
    throw new Error(`the Dockerfile's ENTRYPOINT is not ["node", ...flags, "${BUNDLE}"]: ${json}`);
  }
  return command.slice(1, -1) as string[];
};
