import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import * as edits from '../domain/edits.ts';
import { importImage } from '../domain/import-image.ts';
import * as q from '../domain/queries.ts';
import * as manage from '../domain/rename-delete.ts';
import type { FaceRecord } from '../domain/records.ts';
import type { GqlContext } from './context.ts';
import { CreateFaceInput } from './inputs/create-face-input.ts';
import { ImportFaceInput } from './inputs/import-face-input.ts';
import { ImportImageInput } from './inputs/import-image-input.ts';
import { faceUpdates } from './subscriptions.ts';
import { connection, PAGE_RULE, EditConnection } from './types/connection.ts';
import { Deletion } from './types/deletion.ts';
import { Edit } from './types/edit.ts';
import { EditPayload } from './types/edit-payload.ts';
import { Face } from './types/face.ts';
import { Project } from './types/project.ts';

@Resolver(() => Face)
export class FaceResolver {
  @Query(() => Face)
  async face(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<FaceRecord> {
    return (await q.findFace(ctx.app, ctx.principal, id)).face;
  }

  @Mutation(() => EditPayload, { description: 'A new face whose root edit (SAMPLE) is mapping(z(seed)).' })
  async createFace(@Arg('input', () => CreateFaceInput) input: CreateFaceInput, @Ctx() ctx: GqlContext) {
    return await edits.createFace(ctx.app, ctx.principal, input);
  }

  @Mutation(() => EditPayload, {
    description: 'A new face whose root edit (IMPORT) is an official-format .npy latent.',
  })
  async importFace(@Arg('input', () => ImportFaceInput) input: ImportFaceInput, @Ctx() ctx: GqlContext) {
    return await edits.importFace(ctx.app, ctx.principal, input);
  }

  @Mutation(() => EditPayload, {
    description:
      'A new face from a PNG or JPEG: the face is INVERTING until its job (INVERT_IMAGE, with progress) has found ' +
      "the W+ of its root edit (INVERT) with the model's encoder and rendered it; then READY.",
  })
  async importImage(@Arg('input', () => ImportImageInput) input: ImportImageInput, @Ctx() ctx: GqlContext) {
    return await importImage(ctx.app, ctx.principal, input);
  }

  @Mutation(() => Face)
  renameFace(@Arg('id', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() ctx: GqlContext) {
    return manage.renameFace(ctx.app, ctx.principal, id, name);
  }

  @Mutation(() => Deletion, {
    description: 'Deletes the face and its history; QUEUED jobs are cancelled first, renders other faces use stay.',
  })
  deleteFace(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return manage.deleteFace(ctx.app, ctx.principal, id);
  }

  @Subscription(() => Face, {
    description: 'The face now, then at every new edit, head move or render.',
    subscribe: ({ args, context }) => faceUpdates(context as GqlContext, String(args.id)),
  })
  faceUpdated(@Root() face: FaceRecord, @Arg('id', () => ID) _id: string): FaceRecord {
    return face;
  }

  @FieldResolver(() => Project)
  async project(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.project.load(f.projectId))!;
  }

  @FieldResolver(() => Edit, { description: "The current edit; the face's latent is its latent." })
  async head(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.edit.load(f.headEditId!))!;
  }

  @FieldResolver(() => Edit, {
    description: 'The first edit (SAMPLE or IMPORT): walk the tree from here with children.',
  })
  async root(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.rootByFace.load(f.id))!;
  }

  @FieldResolver(() => EditConnection, {
    description: `The whole history (every branch) as a flat list, newest first (seq descending). Each edit has parentId: page through this list and rebuild the tree from parentId, at any depth (nested children stop at the query depth limit). ${PAGE_RULE}`,
  })
  async edits(
    @Root() f: FaceRecord,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    const page = await q.listEdits(ctx.app, f.id, { first, after });
    for (const e of page.nodes) ctx.loaders.edit.prime(e.id, e);
    return connection(page, () => f.editCount);
  }

  @FieldResolver(() => Boolean, { description: 'True when the head has a child (redo possible).' })
  async canRedo(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.childCount.load(f.headEditId!)) > 0;
  }

  @FieldResolver(() => Boolean, { description: 'True when the head is not the root (undo possible).' })
  async canUndo(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.edit.load(f.headEditId!))?.parentId != null;
  }
}
