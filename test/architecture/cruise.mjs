// Runs dependency-cruiser's API over the given folders and prints a JSON summary on stdout.
// Used by dependencies.spec.ts in a child process: dependency-cruiser ships ES modules only, which Jest's
// module system does not load. Usage: node cruise.mjs BASE_DIR CONFIG_FILE PATH...
// (PATHs and the rules' paths are relative to BASE_DIR, which also holds tsconfig.json and package.json.)
import { resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const [baseDir, configFile, ...paths] = process.argv.slice(2);
process.chdir(resolve(baseDir));
const options = await extractDepcruiseOptions(resolve(configFile));
const tsConfig = extractTSConfig(resolve(options.tsConfig?.fileName ?? 'tsconfig.json'));
const { output } = await cruise(paths, { ...options, validate: true }, {}, { tsConfig });
if (typeof output === 'string') throw new Error('dependency-cruiser returned a report instead of the cruise result');
const summary = {
  violations: output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to, cycle: v.cycle?.map((step) => step.name ?? step) })),
  modules: output.modules.map((m) => ({
    source: m.source,
    dependencies: m.dependencies.map((d) => ({ module: d.module, resolved: d.resolved, types: d.dependencyTypes, typeOnly: d.dependencyTypes.includes('type-only') })),
  })),
};
process.stdout.write(JSON.stringify(summary));
