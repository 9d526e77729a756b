// Real GraphQL clients against the server: introspection, the Sandbox landing page, urql's GET
// queries and the HTTP error codes (401, 404, 405, 413) reaching Apollo Client 4 and graphql-request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { Client, fetchExchange } from '@urql/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { getIntrospectionQuery } from 'graphql';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { errorCode, ok } from './util.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app?.close();
});

test('the standard introspection query is answered (limits apply to data, not to the schema)', async () => {
  const d = await ok(app.gql(getIntrospectionQuery()));
  assert.ok(d.__schema.types.some((t: { name: string }) => t.name === 'Face'));
  // Data still pays: a wide nested page is refused.
  const code = await errorCode(
    app.gql(`{ projects(first: 100) { edges { node { faces(first: 100) { edges { node { edits(first: 100) {
      edges { node { id children { totalCount } } } } } } } } } } }`),
  );
  assert.equal(code, 'QUERY_TOO_COMPLEX');
});

test('GET /graphql from a browser without a token opens the landing page; everything else needs the token', async () => {
  const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /<html/i);
  const query = encodeURIComponent('{ models { id } }');
  const json = await fetch(`${app.url}/graphql?query=${query}`, { headers: { accept: 'application/json' } });
  assert.equal(json.status, 401);
  const post = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { accept: 'text/html', 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ models { id } }' }),
  });
  assert.equal(post.status, 401);
});

test("urql's default client (queries as GET) works with the bearer token", async () => {
  const methods: string[] = [];
  const client = new Client({
    url: `${app.url}/graphql`,
    exchanges: [fetchExchange],
    fetchOptions: { headers: { authorization: `Bearer ${app.token}` } },
    fetch: (input, init) => {
      methods.push(init?.method ?? 'GET');
      return fetch(input, init);
    },
  });
  const r = await client.query(`{ models { id } }`, {}).toPromise();
  assert.equal(r.error, undefined, String(r.error));
  assert.ok(r.data.models.length >= 1);
  assert.deepEqual(methods, ['GET']);
});

function apollo(uri: string, token?: string) {
  return new ApolloClient({
    link: new HttpLink({ uri, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cache: new InMemoryCache(),
  });
}

/** The extensions.code Apollo Client 4 hands to the caller. */
async function apolloCode(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    assert.ok(CombinedGraphQLErrors.is(err), `not GraphQL errors: ${String(err)}`);
    return err.errors[0].extensions?.code;
  }
  assert.fail('expected an error');
}

test('Apollo Client 4 receives extensions.code for 401, 404 and 413', async () => {
  const query = gql`
    query {
      models {
        id
      }
    }
  `;
  assert.equal(await apolloCode(apollo(`${app.url}/graphql`).query({ query })), 'UNAUTHENTICATED');
  assert.equal(await apolloCode(apollo(`${app.url}/nowhere`, app.token).query({ query })), 'NOT_FOUND');
  // The body limit (12 MiB) is checked before the query is read: any query with a bigger variable.
  const big = gql`
    query ($s: ID!) {
      project(id: $s) {
        id
      }
    }
  `;
  const huge = apollo(`${app.url}/graphql`, app.token).query({ query: big, variables: { s: 'x'.repeat(12_700_000) } });
  assert.equal(await apolloCode(huge), 'PAYLOAD_TOO_LARGE');
});

test('405 answers the content type the client accepts', async () => {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'PUT',
    headers: { accept: 'application/graphql-response+json, application/json;q=0.9' },
  });
  assert.equal(res.status, 405);
  assert.match(res.headers.get('content-type') ?? '', /^application\/graphql-response\+json/);
  const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
  assert.equal(body.errors[0].extensions.code, 'METHOD_NOT_ALLOWED');
});

test('graphql-request receives extensions.code for 401 and 404', async () => {
  for (const [url, code] of [
    [`${app.url}/graphql`, 'UNAUTHENTICATED'],
    [`${app.url}/nowhere`, 'NOT_FOUND'],
  ]) {
    const client = new GraphQLClient(url);
    const err = await client.request(`{ models { id } }`).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClientError, String(err));
    assert.equal(err.response.errors?.[0]?.extensions?.code, code);
  }
});

test('graphql-codegen generates operation types from the live URL (the README example)', async () => {
  const { generate } = await import('@graphql-codegen/cli');
  const [file] = await generate(
    {
      silent: true,
      // As in the README: the server's URL with the bearer token; codegen introspects it.
      schema: { [`${app.url}/graphql`]: { headers: { authorization: `Bearer ${app.token}` } } },
      documents: 'query Faces($id: ID!) { project(id: $id) { faces(first: 10) { edges { node { id name } } } } }',
      generates: { 'generated.ts': { plugins: ['typescript-operations'], config: { onlyOperationTypes: true } } },
    },
    false,
  );
  assert.match(file.content, /export type FacesQuery = /);
  assert.match(file.content, /export type FacesQueryVariables = /);
});
