import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { Metrics, PG_POOL, PROJECTION_LAG, ProjectionRunner } from '@ipstd/platform';
import { ALL_PROJECTIONS } from './all-projections';
import { ApplicationsQueryController } from './http/applications-query.controller';
import { DashboardsController } from './http/dashboards.controller';
import { ListsController } from './http/lists.controller';

@Injectable()
export class ProjectionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly runner: ProjectionRunner, private readonly metrics: Metrics) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    this.timer = setInterval(() => void this.recordLag(), 5000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.runner.stop();
  }

  private async recordLag(): Promise<void> {
    try {
      const lag = await this.runner.lag();
      for (const [name, behind] of Object.entries(lag.projections)) {
        this.metrics.projectionLag.set({ projection: name }, Number(behind));
        this.metrics.projectionPosition.set({ projection: name }, Number(lag.head - behind));
      }
    } catch {
      // readiness reports an unreachable store; the gauge keeps its last value
    }
  }
}

/**
 * Read models and their query endpoints (projections-service): every projection of ALL_PROJECTIONS (the
 * audit and finance ones included) runs here; the audit endpoints are AuditModule's. `run: false` serves
 * queries without projecting.
 */
@Module({})
export class ProjectionsModule {
  static register(options: { run: boolean } = { run: true }): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      controllers: [ListsController, ApplicationsQueryController, DashboardsController],
      providers: [
        {
          provide: ProjectionRunner,
          inject: [PG_POOL, EVENT_STORE],
          useFactory: (pool: Pool, store: EventStore) =>
            new ProjectionRunner(pool, store, ALL_PROJECTIONS),
        },
        { provide: PROJECTION_LAG, useExisting: ProjectionRunner },
        ...(options.run ? [ProjectionLifecycle] : []),
      ],
      exports: [ProjectionRunner, PROJECTION_LAG],
    };
  }
}
