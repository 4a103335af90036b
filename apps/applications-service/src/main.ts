import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, Runtime, bootstrap, exitOnStartupFailure } from '@ipstd/platform';
import { ApplicationsModule } from '@ipstd/applications';

/** Write side of programmes and applications, as its own process. */
@Module({})
class ApplicationsServiceModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: ApplicationsServiceModule, imports: [PlatformModule.forRoot(runtime), ApplicationsModule] };
  }
}

bootstrap({ title: 'applications-service', module: (runtime) => ApplicationsServiceModule.register(runtime) }).catch(exitOnStartupFailure);
