// Where the import fixtures (scripts/import_fixtures.py) are, from test/import and dist/test/import alike.
import { fileURLToPath } from 'node:url';

const fromDist = import.meta.url.includes('/dist/');

export const IMPORT_FIXTURES = fileURLToPath(
  new URL(fromDist ? '../../../test/fixtures/import/' : '../fixtures/import/', import.meta.url),
);
