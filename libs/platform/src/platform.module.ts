import { DynamicModule, Global, Injectable, MiddlewareConsumer, Module, NestModule, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { EVENT_STORE } from '@ipstd/event-store';
import { AuthGuard } from './auth/auth.guard';
import { CommandPipeline } from './commands/command-pipeline';
import { ProblemFilter } from './errors/problem.filter';
import { IdempotencyInterceptor, IdempotencyPruner } from './http/idempotency';
import { IpThrottlerGuard, SubjectThrottlerGuard, throttlerOptions } from './http/throttle';
import { HealthController } from './observability/health.controller';
import { HttpMetricsMiddleware, Metrics, MetricsController } from './observability/metrics';
import { Runtime } from './runtime';
import { SubscriptionLagReporter, SubscriptionRunner } from './subscriptions/subscription-runner';
import { pinoHttpOptions } from './observability/logger';
import { APP_CONFIG, CLOCK, ID_GENERATOR, JWT_VERIFIER, PG_POOL } from './tokens';

/** Reports the lag of every consumer of the log in this process while the app runs. */
@Injectable()
class SubscriptionLagLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly reporter: SubscriptionLagReporter) {}

  onApplicationBootstrap(): void {
    this.reporter.start();
  }

  onApplicationShutdown(): void {
    this.reporter.stop();
  }
}

/** Cross-cutting providers every app shares: ports bound to the runtime, auth, errors, logging, metrics, health. */
@Global()
@Module({})
export class PlatformModule implements NestModule {
  static forRoot(runtime: Runtime): DynamicModule {
    const values = [
      { provide: APP_CONFIG, useValue: runtime.config },
      { provide: PG_POOL, useValue: runtime.pool },
      { provide: EVENT_STORE, useValue: runtime.store },
      { provide: CLOCK, useValue: runtime.clock },
      { provide: ID_GENERATOR, useValue: runtime.ids },
      { provide: JWT_VERIFIER, useValue: runtime.tokenKeys },
    ];
    return {
      module: PlatformModule,
      // nestjs-pino: one access line per request, and the request's correlation id on every line logged while serving it.
      imports: [ThrottlerModule.forRoot(throttlerOptions(runtime.config)), LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(runtime.logger) })],
      controllers: [HealthController, MetricsController],
      providers: [
        ...values,
        Metrics,
        CommandPipeline,
        IdempotencyPruner,
        {
          provide: SubscriptionLagReporter,
          inject: [Metrics],
          useFactory: (metrics: Metrics) => new SubscriptionLagReporter(SubscriptionRunner.for(runtime.pool, runtime.store), metrics.subscriptionLag),
        },
        SubscriptionLagLifecycle,
        // Guards run in this order: per-IP throttle, token, per-subject throttle; the JSON body is
        // parsed after all of them (JsonBodyGuard, registered last in configureHttpApp).
        { provide: APP_GUARD, useClass: IpThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: SubjectThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
      exports: [...values.map((v) => v.provide), Metrics, CommandPipeline],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
