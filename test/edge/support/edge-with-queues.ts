// The real edge with POST /queues/:name/jobs mounted, for end-to-end tests until worker/app.ts
// mounts the route itself; then this file and the tests' `main` option go.

import { app } from '../../../worker/app.js';
import { queuesRoutes } from '../../../worker/routes/queues.js';

export { BridgeMonitor, QueueCoordinator } from '../../../worker/index.js';

export default app.route('/queues', queuesRoutes) satisfies ExportedHandler<Env>;
