import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, Runtime, bootstrap } from '@ipstd/platform';
import { ApplicationsModule } from '@ipstd/applications';

/** Write side of programmes and applications, as its own process. */
@Module({})
class ApplicationsServiceModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: ApplicationsServiceModule, imports: [PlatformModule.forRoot(runtime), ApplicationsModule] };
  }
}

bootstrap({ title: 'applications-service', module: (runtime) => ApplicationsServiceModule.register(runtime) }).catch((error) => {
  process.stderr.write(`failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
