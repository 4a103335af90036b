import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, Runtime, bootstrap, exitOnStartupFailure } from '@ipstd/platform';
import { GrantsModule } from '@ipstd/grants';

/** Grants, tranches, inspections, acceptance and clawback, as its own process. */
@Module({})
class GrantsServiceModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: GrantsServiceModule, imports: [PlatformModule.forRoot(runtime), GrantsModule] };
  }
}

bootstrap({ title: 'grants-service', module: (runtime) => GrantsServiceModule.register(runtime) }).catch(exitOnStartupFailure);
