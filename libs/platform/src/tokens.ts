/** Injection tokens for the ports the platform provides. */
export const CLOCK = Symbol('CLOCK');
export const ID_GENERATOR = Symbol('ID_GENERATOR');
export const PG_POOL = Symbol('PG_POOL');
export const APP_CONFIG = Symbol('APP_CONFIG');
export const JWT_VERIFIER = Symbol('JWT_VERIFIER');
