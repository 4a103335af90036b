import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, Runtime, bootstrap } from '@ipstd/platform';
import { GrantsModule } from '@ipstd/grants';

/** Grants, tranches, inspections, acceptance and clawback, as its own process. */
@Module({})
class GrantsServiceModule {
  static register(runtime: Runtime): DynamicModule {
    return { module: GrantsServiceModule, imports: [PlatformModule.forRoot(runtime), GrantsModule] };
  }
}

bootstrap({ title: 'grants-service', module: (runtime) => GrantsServiceModule.register(runtime) }).catch((error) => {
  process.stderr.write(`failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
