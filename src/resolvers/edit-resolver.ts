import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { describeEdit, namedFaceId } from '../domain/edit-description.ts';
import { latentNpy } from '../domain/latent-npy.ts';
import * as q from '../domain/queries.ts';
import type { EditRecord } from '../domain/records.ts';
import type { GqlContext } from './context.ts';
import { Edit } from './types/edit.ts';
import { Face } from './types/face.ts';
import { InferenceJob } from './types/inference-job.ts';
import { Render } from './types/render.ts';

@Resolver(() => Edit)
export class EditResolver {
  @Query(() => Edit)
  edit(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<EditRecord> {
    return q.findEdit(ctx.app, ctx.principal, id);
  }

  @FieldResolver(() => String, {
    description: 'What the edit did, in words: "eyes and mouth texture from Grace", "hair resampled, seed 812".',
  })
  async description(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    const otherId = namedFaceId(e.params);
    const other = otherId ? await ctx.loaders.face.load(otherId) : null;
    return describeEdit(e.operation, e.params, other?.name);
  }

  @FieldResolver(() => Face)
  async face(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.face.load(e.faceId))!;
  }

  @FieldResolver(() => Edit, { nullable: true })
  async parent(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return e.parentId ? ctx.loaders.edit.load(e.parentId) : null;
  }

  @FieldResolver(() => [Edit], { description: 'Child edits, oldest first; more than one means a branch.' })
  children(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return ctx.loaders.children.load(e.id);
  }

  @FieldResolver(() => Boolean, { description: "True when this edit is its face's head." })
  async isHead(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.face.load(e.faceId))?.headEditId === e.id;
  }

  @FieldResolver(() => Render, { nullable: true, description: "The edit's render, once its job succeeded." })
  async render(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    if (e.renderId) return ctx.loaders.render.load(e.renderId);
    return null;
  }

  @FieldResolver(() => InferenceJob, { nullable: true, description: "The edit's latest render job (RENDER_EDIT)." })
  async job(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.jobsByEdit.load(e.id)).find((j) => j.kind === 'RENDER_EDIT') ?? null;
  }

  @FieldResolver(() => [InferenceJob], {
    description: 'Every job of this edit (renders and renderFace compositions), newest first.',
  })
  jobs(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return ctx.loaders.jobsByEdit.load(e.id);
  }

  @FieldResolver(() => String, {
    description:
      'The W+ latent as an official-format .npy ([1, n_latent, D] float32), base64. Also GET /edits/{id}/latent.npy.',
  })
  async latentNpyBase64(@Root() e: EditRecord, @Ctx() ctx: GqlContext) {
    return (await latentNpy(ctx.app, ctx.principal, e.id)).toString('base64');
  }
}
