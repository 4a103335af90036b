import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, IdGenerator } from '@ipstd/kernel';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { CLOCK, ID_GENERATOR } from '@ipstd/platform';
import { LogSealer } from './sealer/log-sealer';
import { IntegrityController } from './http/integrity.controller';
import { AUDIT_OPTIONS, AuditModuleOptions, DEFAULT_AUDIT_OPTIONS, sealerOptionsOf } from './audit.options';

@Injectable()
export class LogSealerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly sealer: LogSealer) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sealer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sealer.stop();
  }
}

/** Log checkpoints (the sealer), online integrity verification and verifiable exports. */
@Module({})
export class AuditModule {
  static register(options: Partial<AuditModuleOptions> = {}): DynamicModule {
    const resolved: AuditModuleOptions = { ...DEFAULT_AUDIT_OPTIONS, ...options };
    return {
      module: AuditModule,
      controllers: [IntegrityController],
      providers: [
        { provide: AUDIT_OPTIONS, useValue: resolved },
        {
          provide: LogSealer,
          inject: [EVENT_STORE, CLOCK, ID_GENERATOR],
          useFactory: (store: EventStore, clock: Clock, ids: IdGenerator) => new LogSealer(store, clock, ids, { ...sealerOptionsOf(resolved), log: new Logger('LogSealer') }),
        },
        ...(resolved.autoSeal ? [LogSealerLifecycle] : []),
      ],
      exports: [LogSealer],
    };
  }
}
