// The GraphQL context of one request (HTTP) or one subscription operation (WebSocket).
import type { AppContext } from '../context.ts';
import { createLoaders, type Loaders } from '../domain/loaders.ts';
import type { Principal } from '../domain/tokens.ts';

export interface GqlContext {
  app: AppContext;
  principal: Principal;
  loaders: Loaders;
  /** e.g. http://127.0.0.1:4000: image URLs are absolute so that any client (Figma's iframe) can fetch them. */
  baseUrl: string;
}

export function createGqlContext(app: AppContext, principal: Principal, baseUrl: string): GqlContext {
  return { app, principal, loaders: createLoaders(app), baseUrl };
}
