import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { configureHttpApp } from './http/configure-app';
import { createLogger } from './observability/logger';
import { Runtime, createRuntime } from './runtime';

export interface BootstrapOptions {
  readonly title: string;
  /** The app's root module for this runtime. */
  readonly module: (runtime: Runtime) => DynamicModule;
}

/**
 * Starts one app: parse configuration (fail fast), build the runtime, start Nest, print where the
 * API is, and shut down in order on SIGTERM/SIGINT (stop taking requests, stop projections, close
 * the store and the database).
 */
export async function bootstrap(options: BootstrapOptions): Promise<{ app: INestApplication; runtime: Runtime; url: string }> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const runtime = await createRuntime(config, { log: (line) => logger.debug({ context: 'postgres' }, line), packageHandlesSignals: false, logger });
  const app = await NestFactory.create(options.module(runtime), { bodyParser: false, bufferLogs: true });
  // Nest's own Logger (every `new Logger(context)` in the libraries) writes through pino from here on.
  app.useLogger(app.get(Logger));
  // The access log is pino-http's (PlatformModule), with the correlation id configureHttpApp sets.
  configureHttpApp(app, config, runtime.ids, { title: options.title });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ context: 'bootstrap', signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs).unref();
    try {
      await app.close();
      await runtime.close();
      clearTimeout(force);
      process.exit(0);
    } catch (error) {
      logger.error({ context: 'bootstrap', error: (error as Error).message }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  logger.info({ context: 'bootstrap', api: `${url}/v1`, docs: `${url}/docs`, openapi: `${url}/docs-json`, database: runtime.databaseLabel, eventStore: config.eventStore, dataDir: config.dataDir }, `${options.title} listening`);
  return { app, runtime, url };
}
