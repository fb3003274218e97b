// The edge tier of Queue Worker: the Hono app and its Durable Objects.
import { app } from './app.js';

export { BridgeMonitor } from './bridge-monitor.js';
export { QueueCoordinator } from './coordinator/queue-coordinator.js';

export default app satisfies ExportedHandler<Env>;
