import { SkipThrottle } from '@nestjs/throttler';
import { Controller, Get, Header, Injectable, NestMiddleware } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Public } from '../auth/decorators';

/** Prometheus registry of this process. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: 'commands_total',
    help: 'Commands handled, by command and outcome',
    labelNames: ['command', 'outcome'],
    registers: [this.registry],
  });
  readonly projectionLag = new Gauge({
    name: 'projection_lag_events',
    help: 'Events in the log not yet applied by a projection',
    labelNames: ['projection'],
    registers: [this.registry],
  });
  readonly subscriptionLag = new Gauge({
    name: 'subscription_lag_events',
    help: 'Events in the log a consumer of the process (read model or reactor) has not handled yet',
    labelNames: ['consumer'],
    registers: [this.registry],
  });
  readonly projectionPosition = new Gauge({
    name: 'projection_checkpoint_position',
    help: 'Global position of the last event a projection applied',
    labelNames: ['projection'],
    registers: [this.registry],
  });

  readonly integrationPublished = new Counter({
    name: 'integration_events_published_total',
    help: 'Integration events the gateway published to Kafka, by topic',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly integrationRelayLag = new Gauge({
    name: 'integration_relay_lag_events',
    help: 'Events in the log after the relay checkpoint (published or not yet looked at)',
    registers: [this.registry],
  });
  readonly inboundMessages = new Counter({
    name: 'integration_inbound_messages_total',
    help: 'Inbound Kafka messages, by topic and outcome (applied, unchanged, duplicate, dead-lettered)',
    labelNames: ['topic', 'outcome'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}
  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpRequests.startTimer();
    response.on('finish', () => {
      const route = (request.route?.path as string | undefined) ?? 'unmatched';
      end({ method: request.method, route: `${request.baseUrl ?? ''}${route}`, status: String(response.statusCode) });
    });
    next();
  }
}

@ApiExcludeController()
@SkipThrottle({ ip: true, subject: true })
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
