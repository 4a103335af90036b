import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@ipstd/platform';
import { GatewayStatus, IntegrationGateway } from '../integration-gateway';

@ApiTags('integration')
@ApiBearerAuth()
@Controller('v1/integration')
export class IntegrationStatusController {
  constructor(private readonly gateway: IntegrationGateway) {}

  @Get('status')
  @Roles('auditor', 'system')
  @ApiOperation({ summary: "The gateway: on or off, its topics, and the relay's checkpoint and lag behind the log" })
  status(): Promise<GatewayStatus> {
    return this.gateway.status();
  }
}
