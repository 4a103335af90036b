import 'reflect-metadata';
import { bootstrap, exitOnStartupFailure } from '@ipstd/platform';
import { StandaloneModule } from './standalone.module';

bootstrap({ title: 'IP-standards funding (standalone)', module: (runtime) => StandaloneModule.register(runtime) }).then(
  ({ url }) => {
    process.stdout.write(`\nAPI:     ${url}/v1\nDocs:    ${url}/docs\nOpenAPI: ${url}/docs-json\nToken:   npm run token -- --role programme-admin --city 320500\n\n`);
  },
  exitOnStartupFailure,
);
