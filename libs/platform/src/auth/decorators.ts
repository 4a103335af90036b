import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Principal, ROLES, Role } from './principal';

export const PUBLIC_ROUTE = 'ipstd:public';
export const ALLOWED_ROLES = 'ipstd:roles';

/** No token needed (health, metrics, API docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Only these roles may call the route; scope checks follow in the handler (auth/policy.ts). */
export const Roles = (...roles: Role[]) => SetMetadata(ALLOWED_ROLES, roles);
/** Every authenticated role may call the route (public reference data such as calls and rule sets). */
export const AnyRole = () => SetMetadata(ALLOWED_ROLES, [...ROLES]);

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest().principal;
});
