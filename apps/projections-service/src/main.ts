import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, Runtime, bootstrap, exitOnStartupFailure } from '@ipstd/platform';
import { ProjectionsModule } from '@ipstd/read-models';
import { AuditModule } from '@ipstd/audit';
import { FinanceModule } from '@ipstd/finance';

/** Read models and their query API (audit, lists), as its own process. */
@Module({})
class ProjectionsServiceModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: ProjectionsServiceModule, imports: [PlatformModule.forRoot(runtime), FinanceModule, ProjectionsModule.register({ run: true }), AuditModule.register(runtime.config.audit)] };
  }
}

bootstrap({ title: 'projections-service', module: (runtime) => ProjectionsServiceModule.register(runtime) }).catch(exitOnStartupFailure);
