import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, IdGenerator } from '@ipstd/kernel';
import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig, CLOCK, ID_GENERATOR, PG_POOL, StartupError } from '@ipstd/platform';
import { WitnessCosignatures } from './merkle/witness-cosignatures';
import { WITNESS_KEYS } from './http/transparency.controller';
import { parseCosignerKey } from './verify/cosignature';
import { LogSealer } from './sealer/log-sealer';
import { IntegrityController } from './http/integrity.controller';
import { AuditController } from './http/audit.controller';
import { AuditHistoryController } from './http/audit-history.controller';
import { TransparencyController } from './http/transparency.controller';
import { MerkleLog } from './merkle/merkle-log';
import { LogSigner, defaultLogSigningKeyPath, loadLogSigningKey, loadSm2SigningKey, sm2KeyPathOf } from './merkle/log-signer';
import { CheckpointPublisher } from './publish/checkpoint-publisher';
import { AUDIT_OPTIONS, AuditModuleOptions, sealerOptionsOf } from './audit.options';

@Injectable()
export class LogSealerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly sealer: LogSealer,
    private readonly tree: MerkleLog,
    private readonly publisher: CheckpointPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sealer.start();
    await this.tree.start();
    this.publisher.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.stop();
    await this.tree.stop();
    await this.sealer.stop();
  }
}

/** Creates the tree's tables at start-up (also when nothing advances it in the background). */
@Injectable()
export class MerkleLogMigration implements OnApplicationBootstrap {
  constructor(
    private readonly tree: MerkleLog,
    private readonly cosignatures: WitnessCosignatures,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tree.migrate();
    await this.cosignatures.migrate();
  }
}

/**
 * What auditors read and rely on: every stream's events with their envelopes, decision timelines and
 * state as of any instant (GET /v1/audit/streams, /applications, /grants), log checkpoints (the
 * sealer), online integrity verification, verifiable exports and the transparency log.
 */
@Module({})
export class AuditModule {
  static register(resolved: AuditModuleOptions): DynamicModule {
    return {
      module: AuditModule,
      controllers: [AuditController, AuditHistoryController, IntegrityController, TransparencyController],
      providers: [
        { provide: AUDIT_OPTIONS, useValue: resolved },
        {
          provide: LogSealer,
          inject: [EVENT_STORE, CLOCK, ID_GENERATOR, PG_POOL],
          useFactory: (store: EventStore, clock: Clock, ids: IdGenerator, pool: Pool) => new LogSealer(store, clock, ids, { ...sealerOptionsOf(resolved), log: new Logger('LogSealer'), pool }),
        },
        {
          provide: MerkleLog,
          inject: [PG_POOL, EVENT_STORE],
          useFactory: (pool: Pool, store: EventStore) => new MerkleLog(pool, store, { batchSize: resolved.batchSize, log: new Logger('MerkleLog') }),
        },
        {
          provide: LogSigner,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const path = resolved.signingKeyFile ?? defaultLogSigningKeyPath(config.dataDir);
            if (resolved.signingKeyFile === null && config.databaseUrl) {
              // Several processes on one database must sign with one key: a key per DATA_DIR would fork the signer.
              new Logger('LogSigner').warn({ msg: `AUDIT_SIGNING_KEY_FILE is unset with an external database: signing with ${path}; every process running the audit module must use the same key file (docs/runbook.md)` });
            }
            const sm2Path = sm2KeyPathOf(resolved.sm2KeyFile, config.dataDir);
            return new LogSigner(resolved.logOrigin, loadLogSigningKey(path, resolved.signingKeyFile === null), resolved.retiredVerifierKeys, sm2Path ? loadSm2SigningKey(sm2Path) : null);
          },
        },
        {
          provide: CheckpointPublisher,
          inject: [EVENT_STORE, MerkleLog, LogSigner, CLOCK, ID_GENERATOR],
          useFactory: (store: EventStore, tree: MerkleLog, signer: LogSigner, clock: Clock, ids: IdGenerator) =>
            new CheckpointPublisher(store, tree, signer, clock, ids, { everySeconds: resolved.publishEverySeconds, batchSize: resolved.batchSize, log: new Logger('CheckpointPublisher') }),
        },
        { provide: WitnessCosignatures, inject: [PG_POOL], useFactory: (pool: Pool) => new WitnessCosignatures(pool) },
        {
          provide: WITNESS_KEYS,
          useFactory: () =>
            resolved.witnessKeys.map((text) => {
              try {
                return parseCosignerKey(text);
              } catch (error) {
                throw new StartupError(`AUDIT_WITNESS_KEYS: ${JSON.stringify(text)} is not a witness cosigner key (${(error as Error).message}); give name+hexkeyid+base64(0x04 ‖ Ed25519 public key), docs/audit.md §8.9`, 2);
              }
            }),
        },
        MerkleLogMigration,
        ...(resolved.autoSeal ? [LogSealerLifecycle] : []),
      ],
      exports: [LogSealer, MerkleLog, LogSigner, CheckpointPublisher, WitnessCosignatures],
    };
  }
}
