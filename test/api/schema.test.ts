// The committed SDL must equal the code's (run `npx ssg emit-schema` after changing resolvers).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { SCHEMA_FILE, schemaSdl } from '../../src/resolvers/schema.ts';

test('schema/schema.graphql is up to date with src/resolvers', async () => {
  const committed = await readFile(SCHEMA_FILE, 'utf8');
  assert.ok(
    committed === (await schemaSdl()),
    'schema/schema.graphql drifted from the code: run `npx ssg emit-schema` and commit it',
  );
});

test('the SDL has the names other programs rely on', async () => {
  const sdl = await schemaSdl();
  for (const name of [
    'input CreateProjectInput',
    'input CreateFaceInput',
    'input ImportFaceInput',
    'input SwapComponentsInput',
    'input ResampleComponentsInput',
    'input InterpolateComponentsInput',
    'input SetTruncationInput',
    'input RenderFaceInput',
    'enum ComponentPart',
    'type EditPayload',
    'undo(expectedHeadId: ID, faceId: ID!): Face!',
    'redo(expectedHeadId: ID, faceId: ID!): Face!',
    'createProject(input: CreateProjectInput!): Project!',
    'jobUpdated(id: ID!): InferenceJob!',
    'faceUpdated(id: ID!): Face!',
    'edits(after: String, first: Int): EditConnection!',
    'faces(after: String, first: Int): FaceConnection!',
    'projects(after: String, first: Int): ProjectConnection!',
  ]) {
    assert.ok(sdl.includes(name), `missing ${name}`);
  }
});

test("the schema's descriptions say what the server does", async () => {
  const sdl = await schemaSdl();
  const modelId = /input CreateProjectInput \{\s*"""([\s\S]*?)"""\s*modelId: ID/.exec(sdl);
  assert.ok(modelId, 'CreateProjectInput.modelId has a description');
  // New projects get the server's default model (the trained cartoon64 here), not the demo.
  assert.match(modelId[1]!, /server’s default model/);
  assert.doesNotMatch(modelId[1]!, /^\s*Defaults to the demo model/);
});
