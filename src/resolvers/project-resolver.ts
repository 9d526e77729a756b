import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import * as q from '../domain/queries.ts';
import * as manage from '../domain/rename-delete.ts';
import type { ProjectRecord } from '../domain/records.ts';
import type { GqlContext } from './context.ts';
import { CreateProjectInput } from './inputs/create-project-input.ts';
import { modelById } from './model-view.ts';
import { connection, PAGE_RULE, FaceConnection, ProjectConnection } from './types/connection.ts';
import { Deletion } from './types/deletion.ts';
import { GenerativeModel } from './types/generative-model.ts';
import { Project } from './types/project.ts';

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => ProjectConnection, { description: `The workspace's projects, newest first. ${PAGE_RULE}` })
  async projects(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    const page = await q.listProjects(ctx.app, ctx.principal, { first, after });
    return connection(page, () => q.countProjects(ctx.app, ctx.principal));
  }

  @Query(() => Project)
  project(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<ProjectRecord> {
    return q.findProject(ctx.app, ctx.principal, id);
  }

  @Mutation(() => Project)
  createProject(@Arg('input', () => CreateProjectInput) input: CreateProjectInput, @Ctx() ctx: GqlContext) {
    return q.createProject(ctx.app, ctx.principal, input);
  }

  @Mutation(() => Project)
  renameProject(@Arg('id', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() ctx: GqlContext) {
    return manage.renameProject(ctx.app, ctx.principal, id, name);
  }

  @Mutation(() => Deletion, {
    description: 'Deletes the project, its faces and their history; renders other faces use stay.',
  })
  deleteProject(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return manage.deleteProject(ctx.app, ctx.principal, id);
  }

  @FieldResolver(() => GenerativeModel)
  model(@Root() p: ProjectRecord, @Ctx() ctx: GqlContext) {
    return modelById(ctx, p.modelId);
  }

  @FieldResolver(() => FaceConnection, { description: `The project's faces, newest first. ${PAGE_RULE}` })
  async faces(
    @Root() p: ProjectRecord,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    const page = await q.listFaces(ctx.app, p.id, { first, after });
    for (const f of page.nodes) ctx.loaders.face.prime(f.id, f);
    return connection(page, () => q.countFaces(ctx.app, p.id));
  }
}
