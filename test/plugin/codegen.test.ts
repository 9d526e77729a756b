// The plugin's generated GraphQL types (plugins/figma/src/ui/generated/graphql.ts) match the
// committed schema and the operations in src/ui/operations.ts: regenerating changes nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GENERATED_FILE, generatePluginTypes } from '../../plugins/figma/codegen.ts';

describe('plugin GraphQL types', () => {
  it('are up to date with schema/schema.graphql and the operations (npm run plugin:codegen)', async () => {
    const committed = readFileSync(GENERATED_FILE, 'utf8');
    const fresh = await generatePluginTypes();
    assert.ok(fresh.includes('export type PluginFaceQuery = {'), 'the generator saw the operations');
    assert.equal(committed, fresh, 'plugins/figma/src/ui/generated/graphql.ts is stale: run npm run plugin:codegen');
  });
});
