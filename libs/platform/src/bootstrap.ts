import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { configureHttpApp } from './http/configure-app';
import { createLogger } from './observability/logger';
import { Runtime, createRuntime } from './runtime';
import { StartupError, exitOnStartupFailure } from './startup-error';
import { describePortHolder } from './database/embedded-postgres';

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
  let runtime: Runtime | undefined;
  let app: INestApplication | undefined;
  // Until the app listens, an error thrown where nobody catches it (a library's unhandled event or
  // promise) is a start-up failure like any other: one line, not a stack trace.
  const duringStartup = (error: unknown) => void stopStarted(app, runtime).finally(() => exitOnStartupFailure(error));
  process.on('uncaughtException', duringStartup);
  process.on('unhandledRejection', duringStartup);
  try {
    runtime = await createRuntime(config, {
      log: (line) => logger.debug({ context: 'postgres' }, line),
      notice: (line) => logger.warn({ context: 'postgres' }, line),
      packageHandlesSignals: false,
      logger,
    });
    app = await NestFactory.create(options.module(runtime), { bodyParser: false, bufferLogs: true, abortOnError: false });
    // Nest's own Logger (every `new Logger(context)` in the libraries) writes through pino from here on.
    app.useLogger(app.get(Logger));
    // The access log is pino-http's (PlatformModule), with the correlation id configureHttpApp sets.
    configureHttpApp(app, config, runtime.ids, { title: options.title });
    await app.listen(config.port, config.host);
  } catch (error) {
    // A failed start stops what it started (the embedded PostgreSQL above all) before reporting.
    await stopStarted(app, runtime);
    throw listenFailure(error, config) ?? error;
  } finally {
    process.off('uncaughtException', duringStartup);
    process.off('unhandledRejection', duringStartup);
  }
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

async function stopStarted(app: INestApplication | undefined, runtime: Runtime | undefined): Promise<void> {
  if (app) await app.close().catch(() => undefined);
  if (runtime) await runtime.close().catch(() => undefined);
}

/** The HTTP port cannot be had: one line naming PORT (and HOST) and who holds it. */
function listenFailure(error: unknown, config: AppConfig): StartupError | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new StartupError(`PORT ${config.port} on ${config.host} is already taken by ${describePortHolder(config.port)}; stop that program, or choose another PORT (0 picks a free one)`, 2);
  }
  if (code === 'EACCES') return new StartupError(`PORT ${config.port} on ${config.host} may not be used by this user (EACCES; ports below 1024 need root); choose a PORT of 1024 or more`, 2);
  if (code === 'EADDRNOTAVAIL') return new StartupError(`HOST ${config.host} is not an address of this machine (EADDRNOTAVAIL); set HOST to one of its addresses, or 0.0.0.0`, 2);
  return null;
}
