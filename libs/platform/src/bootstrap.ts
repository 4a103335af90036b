import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { configureHttpApp } from './http/configure-app';
import { JsonLogger } from './observability/logger';
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
  const logger = new JsonLogger(config.logLevel);
  const runtime = await createRuntime(config, { log: (line) => logger.debug(line, 'postgres'), packageHandlesSignals: false });
  const app = await NestFactory.create(options.module(runtime), { bodyParser: false, logger });
  configureHttpApp(app, config, runtime.ids, { title: options.title, accessLog: (entry) => logger.log(entry, 'http') });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log({ msg: 'shutting down', signal }, 'bootstrap');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs).unref();
    try {
      await app.close();
      await runtime.close();
      clearTimeout(force);
      process.exit(0);
    } catch (error) {
      logger.error({ msg: 'shutdown failed', error: (error as Error).message }, undefined, 'bootstrap');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  logger.log({ msg: `${options.title} listening`, api: `${url}/v1`, docs: `${url}/docs`, openapi: `${url}/docs-json`, database: runtime.databaseLabel, eventStore: config.eventStore, dataDir: config.dataDir }, 'bootstrap');
  return { app, runtime, url };
}
