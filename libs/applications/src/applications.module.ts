import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AmendApplicationHandler } from './application/amend-application/amend-application.handler';
import { OpenProgrammeHandler } from './application/open-programme/open-programme.handler';
import { SubmitApplicationHandler } from './application/submit-application/submit-application.handler';
import { WithdrawApplicationHandler } from './application/withdraw-application/withdraw-application.handler';
import { ApplicationsController } from './infrastructure/http/applications.controller';
import { ProgrammesController } from './infrastructure/http/programmes.controller';

const commandHandlers = [OpenProgrammeHandler, SubmitApplicationHandler, AmendApplicationHandler, WithdrawApplicationHandler];
const controllers = [ProgrammesController, ApplicationsController];

/** Write side of programmes and applications (applications-service). */
@Module({
  imports: [CqrsModule],
  controllers,
  providers: [...commandHandlers],
})
export class ApplicationsModule {}
