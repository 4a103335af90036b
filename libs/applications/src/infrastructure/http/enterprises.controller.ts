import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { CREDIT_CODE_CHARACTERS } from '@ipstd/kernel';
import { CommandContext, Ctx, ProblemException, Roles, etagOf } from '@ipstd/platform';
import { RecordFactDto } from '../../application/enterprise-facts/record-fact.dto';
import { RecordEnterpriseFactCommand } from '../../application/enterprise-facts/record-fact.handler';


@ApiTags('enterprises')
@ApiBearerAuth()
@Controller('v1/enterprises')
export class EnterprisesController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':creditCode/facts')
  @HttpCode(200)
  @Roles('system')
  @ApiOperation({ summary: 'Record a fact pushed by another system (serious dishonesty, abnormal patent applications); open applications are re-assessed' })
  async record(@Param('creditCode') creditCode: string, @Body() body: RecordFactDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) response: Response) {
    if (!CREDIT_CODE_CHARACTERS.test(creditCode)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'CREDIT_CODE_INVALID', { zh: '统一社会信用代码格式错误', en: 'Malformed unified social credit code' });
    }
    const result = await this.commands.execute(new RecordEnterpriseFactCommand(creditCode, body, context));
    response.setHeader('ETag', etagOf(result.revision));
    return { creditCode, recorded: result.recorded, facts: result.facts, reassessment: result.recorded ? 'scheduled' : 'unchanged' };
  }
}
