// Query depth and cost limits, checked before execution (HTTP and WebSocket alike).
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../domain/pagination.ts';
import { ErrorCode } from '../domain/errors.ts';

export const MAX_DEPTH = 12;
export const MAX_COMPLEXITY = 20_000;
/** Assumed size of unbounded lists (children, jobs, depth maps) for the cost estimate. */
const LIST_GUESS = 10;

function depthOf(
  set: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  if (!set) return 0;
  let max = 0;
  for (const sel of set.selections) {
    let d = 0;
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue; // introspection is exempt
      d = 1 + depthOf(sel.selectionSet, fragments, seen);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      d = depthOf(sel.selectionSet, fragments, seen);
    } else {
      const name = sel.name.value;
      if (seen.has(name)) continue; // cycles are a validation error of their own
      const frag = fragments.get(name);
      if (frag) d = depthOf(frag.selectionSet, fragments, new Set([...seen, name]));
    }
    if (d > max) max = d;
  }
  return max;
}

export function queryDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  let max = 0;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && def.name?.value !== operationName) continue;
    max = Math.max(max, depthOf(def.selectionSet, fragments, new Set()));
  }
  return max;
}

/** Lists cost their page size (`first`, default 20) times their items' cost. */
const connectionEstimator: ComplexityEstimator = ({ type: parent, args, field, childComplexity }) => {
  // Introspection costs nothing: the limits guard data, and codegen, IDEs and the Sandbox send the
  // full introspection query (getIntrospectionQuery), whose nested type lists would count as lists.
  if (field.name.startsWith('__') || parent.name.startsWith('__')) return 0;
  // A connection's edges/nodes are the page already counted by `first` on the connection field.
  if (parent.name.endsWith('Connection')) return 1 + childComplexity;
  if ('first' in field.args.reduce((o, a) => ({ ...o, [a.name]: true }), {} as Record<string, boolean>)) {
    const first = typeof args.first === 'number' && args.first >= 0 ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + Math.max(first, 1) * childComplexity;
  }
  const type = String(field.type);
  if (type.startsWith('[') && childComplexity > 0) return 1 + LIST_GUESS * childComplexity;
  return undefined;
};

const limitError = (code: string, message: string, extra: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code, ...extra, http: { status: 400 } } });

/** The limit errors of one operation (empty when within limits). */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): GraphQLError[] {
  const depth = queryDepth(document, operationName);
  if (depth > MAX_DEPTH) {
    return [
      limitError(
        ErrorCode.QUERY_TOO_DEEP,
        `query depth ${depth} exceeds the limit of ${MAX_DEPTH}; fetch nested data in separate queries`,
        {
          depth,
          limit: MAX_DEPTH,
        },
      ),
    ];
  }
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    return []; // invalid variables etc.: reported by execution with its own error
  }
  if (cost > MAX_COMPLEXITY) {
    return [
      limitError(
        ErrorCode.QUERY_TOO_COMPLEX,
        `query cost ${cost} exceeds the limit of ${MAX_COMPLEXITY}; request smaller pages (first) or fewer nested lists`,
        { cost, limit: MAX_COMPLEXITY },
      ),
    ];
  }
  return [];
}
