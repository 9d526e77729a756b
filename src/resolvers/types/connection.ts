// Relay connections from one generic type (type-graphql's generic-types example): each list's
// Connection/Edge pair is declared with one line, and every connection has totalCount.
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page } from '../../domain/pagination.ts';
import { Edit } from './edit.ts';
import { Face } from './face.ts';
import { Project } from './project.ts';

/**
 * The page-size rule of every connection, appended to each connection field's description: one
 * rule for every list (pagination.ts pageSize), refused rather than clamped, so a client never
 * silently gets less than it asked for.
 */
export const PAGE_RULE = `first: 0 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}); more is refused with BAD_USER_INPUT (not clamped). Follow pageInfo.endCursor with \`after\` for the rest.`;

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

/** The object a connection resolver returns; totalCount is a getter so that it is counted only when selected. */
export interface ConnectionValue<T> {
  edges: { node: T; cursor: string }[];
  pageInfo: PageInfo;
  readonly totalCount: Promise<number> | number;
}

/** `edgeName`: when one node type has two connections (Face.edits and Edit.children), the second's edge name. */
export function Connection<TNode extends object>(
  NodeClass: ClassType<TNode>,
  totalCountDescription: string,
  edgeName = `${NodeClass.name}Edge`,
) {
  @ObjectType(edgeName)
  abstract class EdgeClass {
    @Field(() => String) cursor!: string;
    @Field(() => NodeClass) node!: TNode;
  }

  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [EdgeClass]) edges!: EdgeClass[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { description: totalCountDescription }) totalCount!: number;
  }
  return ConnectionClass;
}

/** A page of domain records as a connection value. */
export function connection<T>(page: Page<T>, totalCount: () => Promise<number> | number): ConnectionValue<T> {
  return {
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i]! })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
    // type-graphql reads the property only when the field is selected: count lazily.
    get totalCount() {
      return totalCount();
    },
  };
}

@ObjectType()
export class ProjectConnection extends Connection(Project, "All the workspace's projects.") {}

@ObjectType()
export class FaceConnection extends Connection(Face, "All the project's faces.") {}

@ObjectType()
export class EditConnection extends Connection(Edit, 'All edits of the face (the whole tree).') {}

@ObjectType({ description: "A page of an edit's children, oldest first." })
export class EditChildrenConnection extends Connection(Edit, 'All children of the edit.', 'EditChildEdge') {}
