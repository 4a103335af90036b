import { Module } from '@nestjs/common';
import { RuleCatalog } from './rule-catalog.service';

/** The rule-set catalog, one instance per process whichever contexts need it (it publishes built-ins at start). */
@Module({ providers: [RuleCatalog], exports: [RuleCatalog] })
export class RulesModule {}
