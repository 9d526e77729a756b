import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { findNode } from '../domain/node.ts';
import type { GqlContext } from './context.ts';
import { Node } from './types/node.ts';

@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'The project, face, edit or job with this id; null when the workspace has none (as Relay expects).',
  })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return findNode(ctx.app, ctx.principal, id);
  }
}
