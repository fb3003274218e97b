// The edge tier of Queue Worker: the Hono app and its Durable Objects.
import { app } from './app.ts';

export { BridgeMonitor } from './bridge-monitor.ts';
export { QueueCoordinator } from './coordinator/queue-coordinator.ts';
export { RegistryIndex } from './registry-index.ts';

export default app satisfies ExportedHandler<Env>;
