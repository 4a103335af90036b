import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule, Runtime } from '@ipstd/platform';
import { ApplicationsModule } from '@ipstd/applications';
import { GrantsModule } from '@ipstd/grants';
import { ProjectionsModule } from '@ipstd/read-models';
import { AuditModule } from '@ipstd/audit';
import { FinanceModule } from '@ipstd/finance';
import { MessagingModule } from '@ipstd/messaging';

/** Every context in one process: what `npm start` runs on the embedded default. */
@Module({})
export class StandaloneModule {
  static register(runtime: Runtime): DynamicModule {
    return {
      module: StandaloneModule,
      imports: [
        PlatformModule.forRoot(runtime),
        ApplicationsModule,
        GrantsModule,
        FinanceModule,
        ProjectionsModule.register({ run: true }),
        AuditModule.register(runtime.config.audit),
        MessagingModule,
      ],
    };
  }
}
