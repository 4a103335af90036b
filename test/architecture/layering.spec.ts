import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { domainFiles, violationsIn } from './layering';

const root = join(__dirname, '..', '..');

describe('layering', () => {
  it('finds the domain code to check', () => {
    const files = domainFiles(root);
    expect(files).toEqual(expect.arrayContaining(['libs/applications/src/domain/application/decide.ts', 'libs/applications/src/domain/application/state.ts', 'libs/kernel/src/decider.ts']));
  });

  it('domain code imports nothing from Nest, infrastructure or outer layers', () => {
    const violations = domainFiles(root).flatMap((file) => violationsIn(file, readFileSync(join(root, file), 'utf8')));
    expect(violations).toEqual([]);
  });

  it('domain code reads no clock and draws no random values of its own', () => {
    const offending = domainFiles(root)
      .filter((file) => !file.startsWith('libs/kernel/'))
      .filter((file) => /new Date\(\)|Date\.now\(\)|Math\.random\(|randomUUID\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(offending).toEqual([]);
  });

  describe('the check itself', () => {
    it.each([
      ["import { Injectable } from '@nestjs/common';", '@nestjs/common'],
      ["import { Pool } from 'pg';", 'pg'],
      ["import { EVENT_STORE } from '@ipstd/event-store';", '@ipstd/event-store'],
      ["import { PostgresEventStore } from '@ipstd/event-store-postgres';", '@ipstd/event-store-postgres'],
      ["import { x } from '../infrastructure/http/controller';", '../infrastructure/http/controller'],
      ["import { readFileSync } from 'node:fs';", 'node:fs'],
      ["const k = require('kafkajs');", 'kafkajs'],
      ["export * from '../application/views';", '../application/views'],
      ["import { ApplicationsModule } from '../applications.module';", '../applications.module'],
    ])('flags %s', (source, specifier) => {
      expect(violationsIn('libs/x/src/domain/bad.ts', source).map((v) => v.specifier)).toEqual([specifier]);
    });

    it('allows the kernel and sibling domain files', () => {
      expect(violationsIn('libs/x/src/domain/ok.ts', "import { DomainError } from '@ipstd/kernel';\nimport { a } from './credit-code';\nimport { b } from './programme/rules';")).toEqual([]);
    });
  });
});
