// Entry point: `node bridge/main.ts` (npm run bridge, the container's CMD).
import { runCli } from './cli.ts';

await runCli();
