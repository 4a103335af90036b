import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Clock } from '@ipstd/kernel';
import { ProblemException } from '../errors/problem';
import { APP_CONFIG, CLOCK, JWT_VERIFIER } from '../tokens';
import { AppConfig } from '../config/config';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './decorators';
import { JwtError, KeyResolver, verifyJwt } from './jwt';
import { Principal, ROLES, Role } from './principal';

const unauthenticated = (en: string) =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTHENTICATION_REQUIRED', { zh: '需要有效的身份令牌（Bearer JWT）', en }, {});

/** Verifies the bearer token on every route not marked @Public and enforces @Roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_VERIFIER) private readonly resolveKey: KeyResolver,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const header: string | undefined = request.headers.authorization;
    const match = header?.match(/^Bearer\s+([A-Za-z0-9_\-.]+)$/);
    if (!match) throw unauthenticated('A valid bearer token (JWT) is required');
    let claims: Record<string, unknown>;
    try {
      claims = await verifyJwt(match[1], this.resolveKey, { now: this.clock.now(), issuer: this.config.auth.issuer, audience: this.config.auth.audience });
    } catch (error) {
      if (error instanceof JwtError) throw unauthenticated(`The bearer token was refused: ${error.message}`);
      throw error;
    }
    const principal = toPrincipal(claims);
    if (!principal) throw unauthenticated('The token lacks a subject or a known role');
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'ROLE_FORBIDDEN', {
        zh: `角色 ${principal.role} 无权执行此操作`,
        en: `The role ${principal.role} may not do this`,
      }, { allowedRoles: roles });
    }
    return true;
  }
}

function toPrincipal(claims: Record<string, unknown>): Principal | null {
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null);
  const sub = str(claims.sub);
  const role = str(claims.role);
  if (!sub || !role || !(ROLES as readonly string[]).includes(role)) return null;
  return { sub, role: role as Role, org: str(claims.org), district: str(claims.district), city: str(claims.city) };
}
