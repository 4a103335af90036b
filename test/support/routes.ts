import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';

export interface RegisteredRoute {
  /** `METHOD /path` with Nest's `:name` parameters. */
  readonly route: string;
  readonly method: string;
  readonly controller: new (...args: never[]) => object;
  readonly handlerName: string;
  readonly handler: object;
}

/** Every HTTP route Nest registered, read from its metadata (the modules container, not a hand-kept list), each controller once. */
export function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const scanner = new MetadataScanner();
  const seen = new Set<unknown>();
  const routes: RegisteredRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const handlerName of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[handlerName] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const route = `${method} /${[base, String(path)].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        routes.push({ route, method, controller, handlerName, handler });
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}
