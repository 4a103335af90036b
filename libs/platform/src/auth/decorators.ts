import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Principal, Role } from './principal';

export const PUBLIC_ROUTE = 'ipstd:public';
export const ALLOWED_ROLES = 'ipstd:roles';

/** No token needed (health, metrics, API docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Only these roles may call the route; scope checks follow in the handler. */
export const Roles = (...roles: Role[]) => SetMetadata(ALLOWED_ROLES, roles);

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest().principal;
});
