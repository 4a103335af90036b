import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { importsOf, violationsIn } from '../../../test/architecture/layering';
import { isIsoDate, yearsBefore } from '../src';

const root = join(__dirname, '..', '..', '..');
const src = join(__dirname, '..', 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const files = walk(src).map((file) => ({ file: relative(root, file).split(sep).join('/'), source: readFileSync(file, 'utf8') }));

/** All of this library is domain code: the layering rules apply to every file, not only a domain/ folder. */
describe('funding-rules purity', () => {
  it('imports nothing from Nest, infrastructure or I/O, and nothing outside itself but the kernel', () => {
    const asDomain = (file: string) => file.replace('libs/funding-rules/src/', 'libs/funding-rules/src/domain/');
    expect(files.flatMap(({ file, source }) => violationsIn(asDomain(file), source))).toEqual([]);
    const external = files.flatMap(({ file, source }) => importsOf(source).filter((s) => !s.startsWith('.') && s !== '@ipstd/kernel').map((s) => `${file}: ${s}`));
    expect(external).toEqual([]);
  });

  it('reads no clock and draws no random values', () => {
    expect(files.filter(({ source }) => /new Date\(|Date\.now\(|Math\.random\(|randomUUID\(/.test(source)).map(({ file }) => file)).toEqual([]);
  });

  it.each([
    ['2024-11-17', 5, '2019-11-17'],
    ['2024-02-29', 5, '2019-02-28'],
    ['2024-02-29', 4, '2020-02-29'],
    ['2025-01-01', 1, '2024-01-01'],
  ])('counts back years on the calendar without a Date: %s minus %i years is %s', (date, years, expected) => {
    expect(yearsBefore(date, years)).toBe(expected);
  });

  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['1900-02-29', false],
    ['2000-02-29', true],
    ['2024-04-31', false],
    ['2024-13-01', false],
    ['2024-1-01', false],
  ])('knows %s is a date: %s', (date, expected) => {
    expect(isIsoDate(date)).toBe(expected);
  });
});
