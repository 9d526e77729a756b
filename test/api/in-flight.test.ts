// The per-token limit on the CPU work the API process does itself (src/domain/in-flight.ts):
// previewEdit's count, the refusal's code and limit, per token, and a slot freed on failure too.
// learnAttribute's limit over HTTP is in test/api/attributes.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GraphQLError } from 'graphql';
import { IN_FLIGHT_LIMITS, withinTokenLimit } from '../../src/domain/in-flight.ts';
import type { Principal } from '../../src/domain/tokens.ts';

const principal = (tokenId: string) => ({ tokenId, workspaceId: 'w' }) as Principal;

test('a token runs at most IN_FLIGHT_LIMITS.previewEdit previews at once; others and later calls are not held back', async () => {
  const limit = IN_FLIGHT_LIMITS.previewEdit;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = Array.from({ length: limit }, () => withinTokenLimit(principal('a'), 'previewEdit', () => gate));
  await assert.rejects(
    withinTokenLimit(principal('a'), 'previewEdit', async () => {}),
    (e: GraphQLError) => e.extensions.code === 'TOO_MANY_IN_FLIGHT' && e.extensions.limit === limit,
  );
  // Another token, and another kind for the same token, have their own counts.
  await withinTokenLimit(principal('b'), 'previewEdit', async () => {});
  await withinTokenLimit(principal('a'), 'learnAttribute', async () => {});
  release();
  await Promise.all(held);
  await withinTokenLimit(principal('a'), 'previewEdit', async () => {});
});

test('a failed call frees its slot', async () => {
  await assert.rejects(
    withinTokenLimit(principal('c'), 'learnAttribute', async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await withinTokenLimit(principal('c'), 'learnAttribute', async () => 7), 7);
});
