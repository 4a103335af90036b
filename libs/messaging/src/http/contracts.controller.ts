import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig, ProblemException, Public } from '@ipstd/platform';
import { INTEGRATION_CONTRACTS, contractOfType } from '../contracts/catalog';
import { schemaUriOf } from '../contracts/cloud-event';
import { asyncApiDocument } from '../contracts/asyncapi';

/** The integration contracts are public documentation: no token needed. */
@ApiTags('integration')
@Controller('v1/integration')
export class ContractsController {
  private readonly document: Record<string, unknown>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.document = asyncApiDocument(config.kafka.topicPrefix);
  }

  @Get('asyncapi.json')
  @Public()
  @ApiOperation({ summary: 'AsyncAPI 2.6 document of every topic: outbound integration events, inbound messages, dead letters' })
  asyncApi(): Record<string, unknown> {
    return this.document;
  }

  @Get('schemas')
  @Public()
  @ApiOperation({ summary: 'The integration event types with their context and domain event' })
  list() {
    return { items: INTEGRATION_CONTRACTS.map((c) => ({ type: c.type, context: c.context, domainType: c.domainType, description: c.description, schema: `/v1/integration/schemas/${c.type}` })) };
  }

  @Get('schemas/:type')
  @Public()
  @ApiOperation({ summary: 'JSON Schema (draft 2020-12) of one integration event type\'s data' })
  schema(@Param('type') type: string) {
    const contract = contractOfType(type);
    if (!contract) throw new ProblemException(HttpStatus.NOT_FOUND, 'INTEGRATION_TYPE_NOT_FOUND', { zh: '没有这种集成事件类型', en: 'No such integration event type' }, { type });
    return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: schemaUriOf(contract.type), title: contract.type, description: contract.description, ...contract.schema };
  }
}
