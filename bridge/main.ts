// Entry point: `node bridge/main.ts` (npm run bridge, the container's CMD). The resolve hook must be
// registered before src/ is loaded, hence the dynamic import.
import './resolve-ts.ts';

const { runCli } = await import('./cli.ts');
await runCli();
