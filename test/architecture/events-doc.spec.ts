import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_BEGIN, GENERATED_END, eventsCatalogue, withCatalogue } from '../../scripts/events-catalogue';

/**
 * docs/events.md is true to the code: its catalogue (between the generated markers) is what the
 * registries and the stored event fixtures give today. The hand-written sections around it are kept.
 */
describe('docs/events.md', () => {
  const root = join(__dirname, '..', '..');
  const page = readFileSync(join(root, 'docs', 'events.md'), 'utf8');

  it('has one generated catalogue, between its markers', () => {
    expect(page.split(GENERATED_BEGIN)).toHaveLength(2);
    expect(page.split(GENERATED_END)).toHaveLength(2);
  });

  it('holds the catalogue the registries generate (run `npm run events-doc` to rewrite it)', () => {
    const expected = withCatalogue(page, eventsCatalogue(root));
    if (expected !== page) {
      throw new Error('docs/events.md is out of date with the stored event registries and fixtures: run `npm run events-doc` and commit docs/events.md');
    }
  });

  it('lists every stored type of every registry in the catalogue', () => {
    const catalogue = page.slice(page.indexOf(GENERATED_BEGIN), page.indexOf(GENERATED_END));
    for (const type of ['ProgrammeOpened', 'ApplicationSelected', 'GrantAwarded', 'StatementImported', 'LogCheckpointSealed', 'DeadlineReminderSent', 'WorkingDayYearPublished']) {
      expect(catalogue).toContain(`| \`${type}\` |`);
    }
  });
});
