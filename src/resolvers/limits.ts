// The query limits as GraphQL validation rules, the same list for HTTP (Apollo's validationRules)
// and WebSocket (graphql-ws onSubscribe): depth, cost and root mutation fields per operation.
// Validation sees no variables (Apollo caches a document's validation across requests), so a
// limit is a bound over every possible variables: a `first: $n` counts at its maximum page size.
//
// Cost: a scalar field costs 1 (about a field's worth of response), an object field 1 plus its
// selection, a page (`first`) 1 plus `first` times its items, an unpaginated list 1 plus
// LIST_GUESS times its items, and a field with a `complexity` (type-graphql's field option) what
// that says: `latentNpyBase64` costs its size. Fragments are costed once each and then reused, so
// padding a query with spreads costs its true total, not the validator's time; a document too large
// to evaluate within `maxNodes` steps is refused, never let through.
import {
  GraphQLError,
  GraphQLInterfaceType,
  GraphQLObjectType,
  Kind,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  validate,
  valueFromAST,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type GraphQLType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { loadConfig } from '../config.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/pagination.ts';
import { ErrorCode } from '../domain/errors.ts';

export interface QueryLimits {
  /** Nesting of fields (introspection excluded). */
  maxDepth: number;
  /** Cost of one operation (units: see the header). */
  maxCost: number;
  /** Root fields of one mutation operation (aliases count). */
  maxMutationFields: number;
  /** Selections the cost evaluation may visit before it refuses the document. */
  maxNodes: number;
}

/** The limits of an unconfigured server (src/config.ts defaults). */
export const DEFAULT_LIMITS: QueryLimits = loadConfig({}).limits;

/** Sizes the cost of sized fields follows; `context` of a field's `complexity` function. */
export interface CostSizes {
  /** n_latent * D of the largest model served (float32 values in a latent). */
  latentFloats: number;
}

/** Assumed length of unpaginated lists (jobs of an edit, components of a model). */
const LIST_GUESS = 10;
/** Response bytes one cost unit stands for, for fields costed by their size. */
export const BYTES_PER_COST_UNIT = 64;

/** type-graphql `complexity` of `latentNpyBase64`: its base64 string of a [1, n_latent, D] float32 .npy. */
export function latentCost({ context }: ComplexityEstimatorArgs): number {
  const floats = (context as CostSizes | undefined)?.latentFloats ?? 0;
  return 1 + Math.ceil((floats * 4 * 4) / 3 / BYTES_PER_COST_UNIT);
}

const limitError = (code: string, message: string, extra: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code, ...extra, http: { status: 400 } } });

const LIMIT_CODES = new Set<string>([
  ErrorCode.QUERY_TOO_DEEP,
  ErrorCode.QUERY_TOO_COMPLEX,
  ErrorCode.TOO_MANY_MUTATIONS,
]);

/**
 * The limit code of an error, when it is one of ours: Apollo wraps validation errors as
 * GRAPHQL_VALIDATION_FAILED, and formatError puts our stable code back. A document over the parser's
 * token limit (Config.limits.maxTokens: validating a huge document is itself the cost) is refused
 * as too complex.
 */
export function limitCodeOf(error: unknown): string | undefined {
  if (isTokenLimitError(error)) return ErrorCode.QUERY_TOO_COMPLEX;
  for (let e = error as { extensions?: Record<string, unknown>; originalError?: unknown } | undefined; e;) {
    const code = e.extensions?.code;
    if (typeof code === 'string' && LIMIT_CODES.has(code)) return code;
    e = e.originalError as typeof e;
  }
  return undefined;
}

// graphql-js 16 spells it "more that".
const TOKEN_LIMIT = /Document contains more tha[nt] (\d+) tokens/;

/** The message of a limit error as the client sees it (the parser's own is rephrased). */
export function limitMessage(message: string): string {
  const tokens = TOKEN_LIMIT.exec(message)?.[1];
  return tokens ? `query has more than ${tokens} tokens, over the limit; send smaller queries` : message;
}

/** graphql-js's parse error for `maxTokens` (it has no code of its own). */
export function isTokenLimitError(error: unknown): boolean {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && TOKEN_LIMIT.test(message);
}

/** The token limit's error with our code (WebSocket: no formatError there). */
export function tooManyTokens(error: GraphQLError): GraphQLError {
  return new GraphQLError(limitMessage(error.message), {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX },
  });
}

function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
  return map;
}

/** Depth of each operation; each fragment's depth is computed once (cycles count 0, their own rule reports them). */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context);
    const memo = new Map<string, number>();
    const depthOf = (set: SelectionSetNode | undefined): number => {
      if (!set) return 0;
      let max = 0;
      for (const sel of set.selections) {
        let d = 0;
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue; // introspection is exempt
          d = 1 + depthOf(sel.selectionSet);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) d = depthOf(sel.selectionSet);
        else d = fragmentDepth(sel.name.value);
        if (d > max) max = d;
      }
      return max;
    };
    const fragmentDepth = (name: string): number => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      memo.set(name, 0); // in progress: a cycle
      const d = depthOf(fragments.get(name)?.selectionSet);
      memo.set(name, d);
      return d;
    };
    return {
      OperationDefinition(op) {
        const depth = depthOf(op.selectionSet);
        if (depth > maxDepth)
          context.reportError(
            limitError(
              ErrorCode.QUERY_TOO_DEEP,
              `query depth ${depth} exceeds the limit of ${maxDepth}; fetch nested data in separate queries`,
              { depth, limit: maxDepth },
            ),
          );
      },
    };
  };
}

class TooManyNodes extends Error {}

function hasListType(type: GraphQLType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** `first` as a number: a literal, its default when absent, its maximum when a variable. */
function firstArg(field: GraphQLField<unknown, unknown>, node: FieldNode): number {
  const def = field.args.find((a) => a.name === 'first')!;
  const arg = node.arguments?.find((a) => a.name.value === 'first');
  if (!arg) return DEFAULT_PAGE_SIZE;
  if (arg.value.kind === Kind.VARIABLE) return MAX_PAGE_SIZE;
  const value = valueFromAST(arg.value, def.type);
  return typeof value === 'number' && value >= 0 ? value : DEFAULT_PAGE_SIZE;
}

/** The cost of one field, given the cost of its selection. */
function fieldCost(
  parent: GraphQLCompositeType,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  childComplexity: number,
  sizes: CostSizes,
): number {
  // Introspection costs nothing: the limits guard data, and codegen, IDEs and the Sandbox send the
  // full introspection query, whose nested type lists would count as lists.
  if (field.name.startsWith('__') || parent.name.startsWith('__')) return 0;
  const own = field.extensions?.complexity as number | ((args: ComplexityEstimatorArgs) => number) | undefined;
  if (typeof own === 'number') return own + childComplexity;
  if (typeof own === 'function') {
    const args: Record<string, unknown> = {};
    return own({ type: parent, field, node, args, childComplexity, context: sizes });
  }
  // A connection's edges/nodes are the page already counted by `first` on the connection field.
  if (parent.name.endsWith('Connection')) return 1 + childComplexity;
  if (field.args.some((a) => a.name === 'first')) return 1 + Math.max(firstArg(field, node), 1) * childComplexity;
  if (hasListType(field.type) && childComplexity > 0) return 1 + LIST_GUESS * childComplexity;
  return 1 + childComplexity;
}

/**
 * Cost of each operation. Every selection is counted (an upper bound: execution may merge equal
 * fields), each fragment once per document.
 */
export function costLimitRule(limits: Pick<QueryLimits, 'maxCost' | 'maxNodes'>, sizes: CostSizes): ValidationRule {
  return (context) => {
    const schema = context.getSchema();
    const fragments = fragmentsOf(context);
    const memo = new Map<string, number>();
    let visited = 0;
    const costOf = (set: SelectionSetNode | undefined, type: GraphQLCompositeType): number => {
      if (!set) return 0;
      const fields =
        type instanceof GraphQLObjectType || type instanceof GraphQLInterfaceType ? type.getFields() : undefined;
      let total = 0;
      for (const sel of set.selections) {
        if (++visited > limits.maxNodes) throw new TooManyNodes();
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (name.startsWith('__')) continue; // __typename, __schema, __type: free
          const field = fields?.[name];
          if (!field) continue; // unknown field: its own rule reports it
          const named = getNamedType(field.type);
          const child = isCompositeType(named) ? costOf(sel.selectionSet, named) : 0;
          total += fieldCost(type, field, sel, child, sizes);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const cond = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
          if (isCompositeType(cond)) total += costOf(sel.selectionSet, cond);
        } else total += fragmentCost(sel.name.value);
      }
      return total;
    };
    const fragmentCost = (name: string): number => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      memo.set(name, 0); // in progress: a cycle, reported by its own rule
      const fragment = fragments.get(name);
      const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
      const cost = fragment && isCompositeType(type) ? costOf(fragment.selectionSet, type) : 0;
      memo.set(name, cost);
      return cost;
    };
    const rootType = (op: 'query' | 'mutation' | 'subscription') =>
      op === 'query'
        ? schema.getQueryType()
        : op === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    return {
      OperationDefinition(op) {
        const root = rootType(op.operation);
        if (!root) return;
        let cost: number;
        try {
          cost = costOf(op.selectionSet, root);
        } catch (err) {
          if (!(err instanceof TooManyNodes)) throw err;
          // A cost that cannot be evaluated is refused: it is not known to be within the limit.
          context.reportError(
            limitError(
              ErrorCode.QUERY_TOO_COMPLEX,
              `query too large to evaluate its cost (over ${limits.maxNodes} selections counted with fragments expanded); send smaller queries`,
              { limit: limits.maxCost, maxNodes: limits.maxNodes },
            ),
          );
          return;
        }
        if (cost > limits.maxCost)
          context.reportError(
            limitError(
              ErrorCode.QUERY_TOO_COMPLEX,
              `query cost ${cost} exceeds the limit of ${limits.maxCost}; request smaller pages (first), fewer aliases or fewer nested lists`,
              { cost, limit: limits.maxCost },
            ),
          );
      },
    };
  };
}

/** Root fields of a mutation (aliases and fragments included): each may write and queue a job. */
export function mutationFieldsRule(maxFields: number): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context);
    const count = (set: SelectionSetNode, seen: Set<string>): number => {
      let n = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) n += sel.name.value.startsWith('__') ? 0 : 1;
        else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet, seen);
        else {
          const f = fragments.get(sel.name.value);
          if (f && !seen.has(f.name.value)) n += count(f.selectionSet, new Set([...seen, f.name.value]));
        }
        if (n > maxFields) return n;
      }
      return n;
    };
    return {
      OperationDefinition(op) {
        if (op.operation !== 'mutation') return;
        const n = count(op.selectionSet, new Set());
        if (n > maxFields)
          context.reportError(
            limitError(
              ErrorCode.TOO_MANY_MUTATIONS,
              `a request may run at most ${maxFields} mutations (root mutation fields, aliases included); this one has more: send them in several requests`,
              { limit: maxFields },
            ),
          );
      },
    } satisfies ASTVisitor;
  };
}

/** The limit rules, in the order their errors are reported. */
export function limitRules(limits: QueryLimits, sizes: CostSizes): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), costLimitRule(limits, sizes), mutationFieldsRule(limits.maxMutationFields)];
}

/** The limit errors of a document (tests and tools; the servers run the rules during validation). */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: QueryLimits = DEFAULT_LIMITS,
  sizes: CostSizes = { latentFloats: 0 },
): GraphQLError[] {
  return [...validate(schema, document, limitRules(limits, sizes))];
}
