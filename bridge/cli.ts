// The process around a Bridge: configuration from the environment, logs, and signals.
// SIGTERM/SIGINT drain gracefully; a second signal exits at once (in-flight jobs are then picked up
// again by the stalled-job check of whichever bridge runs next).

import { Bridge } from './bridge.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';

/** Beyond the grace period, closing connections and the server gets this long before we give up. */
const CLOSE_SLACK_MS = 10_000;
const EXIT_CONFIG_ERROR = 1;
const EXIT_FORCED = 130;

export const runCli = async (): Promise<void> => {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_CONFIG_ERROR);
  }
  const logger = createLogger({ level: config.logLevel, format: config.nodeEnv === 'production' ? 'json' : 'pretty' });
  const bridge = new Bridge(config, { logger });

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal; exiting without waiting for in-flight jobs', { signal });
      process.exit(EXIT_FORCED);
    }
    stopping = true;
    logger.info('shutting down: no new jobs, waiting for in-flight ones', { signal, graceMs: config.shutdownGraceMs });
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + CLOSE_SLACK_MS).unref();
    void bridge.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await bridge.start();
  } catch (error) {
    logger.error('bridge failed to start', { error });
    await bridge.close();
    process.exit(1);
  }
};
