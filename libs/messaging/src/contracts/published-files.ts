import { asyncApiDocument } from './asyncapi';
import { INTEGRATION_CONTRACTS } from './catalog';
import { schemaUriOf } from './cloud-event';
import { INBOUND_SCHEMAS } from './asyncapi';

/**
 * The contract files kept in docs/integration/ (path relative to that folder → JSON text): the AsyncAPI
 * document and one JSON Schema per integration event type and inbound message. `npm run contracts`
 * writes them; a test fails when they differ from what the code publishes.
 */
export function publishedContractFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  files.set('asyncapi.json', json(asyncApiDocument()));
  for (const contract of INTEGRATION_CONTRACTS) {
    files.set(`schemas/${contract.type}.json`, json({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: schemaUriOf(contract.type), title: contract.type, description: contract.description, ...contract.schema }));
  }
  for (const inbound of Object.values(INBOUND_SCHEMAS)) {
    files.set(`schemas/inbound.${inbound.name}.json`, json({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: `inbound ${inbound.name}`, description: inbound.description, ...inbound.schema }));
  }
  return files;
}
