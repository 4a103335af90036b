import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Clock } from '@ipstd/kernel';
import { ProblemException } from '../errors/problem';
import { APP_CONFIG, CLOCK, JWT_VERIFIER } from '../tokens';
import { AppConfig } from '../config/config';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './decorators';
import { JwtError, JwtRefusal, KeySetUnavailableError, TokenKeys, VerifiedTokenCache, verifyJwt } from './jwt';
import { Principal, Role, principalOf } from './principal';

const unauthenticated = (reason: JwtRefusal | 'missing', en: string) =>
  new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTHENTICATION_REQUIRED', { zh: '需要有效的身份令牌（Bearer JWT）', en }, { reason });

/**
 * Verifies the bearer token on every route not marked @Public and enforces the route's roles. A
 * route that declares neither is refused for everyone (deny by default; the route-metadata test keeps
 * there being none).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verified = new VerifiedTokenCache();

  constructor(
    private readonly reflector: Reflector,
    @Inject(JWT_VERIFIER) private readonly keys: TokenKeys,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest();
    const header: unknown = request.headers.authorization;
    const match = typeof header === 'string' ? header.match(/^Bearer +([A-Za-z0-9_\-.]{1,8192})$/) : null;
    if (!match) throw unauthenticated('missing', 'A valid bearer token (JWT) is required');
    let claims: Record<string, unknown>;
    const now = this.clock.now();
    try {
      const token = match[1];
      const cached = this.verified.get(token, now, this.config.auth.clockSkewSeconds);
      if (cached) claims = cached;
      else {
        claims = await verifyJwt(token, this.keys, { now, issuer: this.config.auth.issuer, audience: this.config.auth.audience, clockSkewSeconds: this.config.auth.clockSkewSeconds });
        this.verified.set(token, claims, now);
      }
    } catch (error) {
      if (error instanceof JwtError) throw unauthenticated(error.reason, `The bearer token was refused: ${error.message}`);
      if (error instanceof KeySetUnavailableError) {
        throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'AUTH_KEYS_UNAVAILABLE', {
          zh: '暂时无法获取身份提供方的公钥，请稍后重试',
          en: "The identity provider's signing keys cannot be fetched right now; retry later",
        });
      }
      throw error;
    }
    const principal = principalOf(claims);
    if (!principal) throw unauthenticated('claims-invalid', 'The token lacks a subject or a known role, or a claim has the wrong type or format');
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (!roles) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'ROUTE_POLICY_MISSING', { zh: '该接口未声明可访问的角色，拒绝访问', en: 'This endpoint declares no roles, so nobody may call it' });
    }
    if (!roles.includes(principal.role)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'ROLE_FORBIDDEN', {
        zh: `角色 ${principal.role} 无权执行此操作`,
        en: `The role ${principal.role} may not do this`,
      }, { allowedRoles: roles });
    }
    return true;
  }
}
