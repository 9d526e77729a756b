// Thin resolvers: argument plumbing to src/domain, relations through the request's DataLoaders.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import * as edits from '../domain/edits.ts';
import { notFound } from '../domain/errors.ts';
import type { Page } from '../domain/pagination.ts';
import * as q from '../domain/queries.ts';
import {
  latentFromBytes,
  type EditRecord,
  type FaceRecord,
  type JobRecord,
  type ProjectRecord,
  type RenderRecord,
} from '../domain/records.ts';
import { renderDepthUrl, renderImageUrl, renderSegmentationUrl } from '../http/routes.ts';
import { writeNpy } from '../inference/npy.ts';
import type { ModelInfo } from '../inference/types.ts';
import type { GqlContext } from './context.ts';
import { faceUpdates, jobUpdates } from './subscriptions.ts';
import {
  CreateFaceInput,
  CreateProjectInput,
  DepthMap,
  Edit,
  EditConnection,
  EditPayload,
  Face,
  FaceConnection,
  GenerativeModel,
  ImportFaceInput,
  InferenceJob,
  InterpolateComponentsInput,
  Project,
  ProjectConnection,
  Render,
  RenderFaceInput,
  ResampleComponentsInput,
  SetTruncationInput,
  SwapComponentsInput,
} from './types.ts';

function connection<T>(page: Page<T>) {
  return {
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i] })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
  };
}

function modelView(info: ModelInfo) {
  return {
    id: info.id,
    name: info.name,
    resolution: info.resolution,
    untrained: info.untrained,
    layout: info.layout,
    components: info.components.map((c) => ({
      index: c.index,
      name: c.name,
      transparent: c.transparent,
      rgb: [...c.color],
      color: '#' + c.color.map((v) => v.toString(16).padStart(2, '0')).join(''),
    })),
  };
}

async function modelById(ctx: GqlContext, modelId: string) {
  const info = q.modelInfo(ctx.app, modelId);
  if (info) return modelView(info);
  // Not loaded here (another process serves it): describe it from its recorded manifest.
  const row = await ctx.app.prisma.generativeModel.findUnique({ where: { id: modelId } });
  if (!row) throw notFound('model', modelId);
  return modelView(row.manifest as unknown as ModelInfo);
}

// ---------------------------------------------------------------------------------------------

@Resolver()
export class RootResolver {
  @Query(() => [GenerativeModel], {
    description: 'The models this server serves (the default model of new projects first).',
  })
  models(@Ctx() ctx: GqlContext) {
    const demo = ctx.app.models.defaultModelId;
    return ctx.app.models
      .list()
      .sort((a, b) => Number(b.id === demo) - Number(a.id === demo) || a.name.localeCompare(b.name))
      .map(modelView);
  }

  @Query(() => GenerativeModel)
  model(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    const info = q.modelInfo(ctx.app, id);
    if (!info) throw notFound('model', id);
    return modelView(info);
  }

  @Query(() => ProjectConnection, { description: "The workspace's projects, newest first." })
  async projects(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    return connection(await q.listProjects(ctx.app, ctx.principal, { first, after }));
  }

  @Query(() => Project)
  project(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<ProjectRecord> {
    return q.findProject(ctx.app, ctx.principal, id);
  }

  @Query(() => Face)
  async face(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<FaceRecord> {
    return (await q.findFace(ctx.app, ctx.principal, id)).face;
  }

  @Query(() => Edit)
  edit(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<EditRecord> {
    return q.findEdit(ctx.app, ctx.principal, id);
  }

  @Query(() => InferenceJob)
  job(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<JobRecord> {
    return q.findJob(ctx.app, ctx.principal, id);
  }

  // ----- mutations

  @Mutation(() => Project)
  createProject(@Arg('input', () => CreateProjectInput) input: CreateProjectInput, @Ctx() ctx: GqlContext) {
    return q.createProject(ctx.app, ctx.principal, input);
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

  @Mutation(() => EditPayload, { description: "Copies the listed components' codes from the source face's head." })
  async swapComponents(@Arg('input', () => SwapComponentsInput) input: SwapComponentsInput, @Ctx() ctx: GqlContext) {
    return await edits.swapFaceComponents(ctx.app, ctx.principal, input);
  }

  @Mutation(() => EditPayload, { description: 'Fresh codes (from a seed) for the listed components.' })
  async resampleComponents(
    @Arg('input', () => ResampleComponentsInput) input: ResampleComponentsInput,
    @Ctx() ctx: GqlContext,
  ) {
    return await edits.resampleFaceComponents(ctx.app, ctx.principal, input);
  }

  @Mutation(() => EditPayload, { description: "Linear blend of the listed components toward the other face's head." })
  async interpolateComponents(
    @Arg('input', () => InterpolateComponentsInput) input: InterpolateComponentsInput,
    @Ctx() ctx: GqlContext,
  ) {
    return await edits.interpolateFaceComponents(ctx.app, ctx.principal, input);
  }

  @Mutation(() => EditPayload, { description: 'Truncation toward w_avg: w_avg + psi * (w - w_avg), psi in [0, 1.5].' })
  async setTruncation(@Arg('input', () => SetTruncationInput) input: SetTruncationInput, @Ctx() ctx: GqlContext) {
    return await edits.setFaceTruncation(ctx.app, ctx.principal, input);
  }

  @Mutation(() => Face, { description: 'Moves the head to its parent (NOTHING_TO_UNDO at the root).' })
  undo(
    @Arg('faceId', () => ID) faceId: string,
    @Arg('expectedHeadId', () => ID, { nullable: true }) expectedHeadId: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    return edits.undo(ctx.app, ctx.principal, faceId, expectedHeadId);
  }

  @Mutation(() => Face, { description: 'Moves the head to its most recent child (NOTHING_TO_REDO when none).' })
  redo(
    @Arg('faceId', () => ID) faceId: string,
    @Arg('expectedHeadId', () => ID, { nullable: true }) expectedHeadId: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    return edits.redo(ctx.app, ctx.principal, faceId, expectedHeadId);
  }

  @Mutation(() => Face, {
    description: "Moves the edit's face's head to that edit. With faceId, an edit of another face is a BAD_USER_INPUT.",
  })
  revertTo(
    @Arg('editId', () => ID) editId: string,
    @Arg('faceId', () => ID, { nullable: true }) faceId: string | null,
    @Arg('expectedHeadId', () => ID, { nullable: true }) expectedHeadId: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    return edits.revertTo(ctx.app, ctx.principal, editId, faceId, expectedHeadId);
  }

  @Mutation(() => InferenceJob, {
    description: 'Renders a face (its head or one of its edits) with only the listed components; changes no history.',
  })
  renderFace(@Arg('input', () => RenderFaceInput) input: RenderFaceInput, @Ctx() ctx: GqlContext) {
    return edits.renderFace(ctx.app, ctx.principal, input);
  }

  @Mutation(() => InferenceJob, {
    description: 'Cancels a QUEUED job; a started or finished job is returned unchanged.',
  })
  cancelJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return edits.cancelJob(ctx.app, ctx.principal, id);
  }

  // ----- subscriptions

  @Subscription(() => InferenceJob, {
    description: 'The job now, then at every change; completes after SUCCEEDED, FAILED or CANCELLED.',
    subscribe: ({ args, context }) => jobUpdates(context as GqlContext, String(args.id)),
  })
  jobUpdated(@Root() job: JobRecord, @Arg('id', () => ID) _id: string): JobRecord {
    return job;
  }

  @Subscription(() => Face, {
    description: 'The face now, then at every new edit, head move or render.',
    subscribe: ({ args, context }) => faceUpdates(context as GqlContext, String(args.id)),
  })
  faceUpdated(@Root() face: FaceRecord, @Arg('id', () => ID) _id: string): FaceRecord {
    return face;
  }
}

// ---------------------------------------------------------------------------------------------

@Resolver(() => Project)
export class ProjectResolver {
  @FieldResolver(() => GenerativeModel)
  model(@Root() p: ProjectRecord, @Ctx() ctx: GqlContext) {
    return modelById(ctx, p.modelId);
  }

  @FieldResolver(() => FaceConnection, { description: "The project's faces, newest first." })
  async faces(
    @Root() p: ProjectRecord,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    const page = await q.listFaces(ctx.app, p.id, { first, after });
    for (const f of page.nodes) ctx.loaders.face.prime(f.id, f);
    return connection(page);
  }
}

@Resolver(() => Face)
export class FaceResolver {
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
    description: 'The whole history (every branch), newest first (seq descending). For the tree use parent/children.',
  })
  async edits(
    @Root() f: FaceRecord,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GqlContext,
  ) {
    const page = await q.listEdits(ctx.app, f.id, { first, after });
    for (const e of page.nodes) ctx.loaders.edit.prime(e.id, e);
    return { ...connection(page), totalCount: f.editCount };
  }

  @FieldResolver(() => Boolean, { description: 'True when the head has a child (redo possible).' })
  async canRedo(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.children.load(f.headEditId!)).length > 0;
  }

  @FieldResolver(() => Boolean, { description: 'True when the head is not the root (undo possible).' })
  async canUndo(@Root() f: FaceRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.edit.load(f.headEditId!))?.parentId != null;
  }
}

@Resolver(() => Edit)
export class EditResolver {
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
    const { npy } = await latentNpy(ctx, e.id);
    return npy.toString('base64');
  }
}

/** The edit's latent as `.npy` `[1, n_latent, D]`. */
export async function latentNpy(ctx: Pick<GqlContext, 'app' | 'principal'>, editId: string): Promise<{ npy: Buffer }> {
  const { latent, modelId } = await q.editLatent(ctx.app, ctx.principal, editId);
  const values = latentFromBytes(latent);
  const info = q.modelInfo(ctx.app, modelId);
  const dim = info?.layout.dim ?? 512;
  return { npy: writeNpy(values, [1, values.length / dim, dim]) };
}

@Resolver(() => Render)
export class RenderResolver {
  @FieldResolver(() => String, { description: 'GET with the same Authorization header.' })
  imageUrl(@Root() r: RenderRecord, @Ctx() ctx: GqlContext) {
    return renderImageUrl(ctx.baseUrl, r.id);
  }

  @FieldResolver(() => String)
  segmentationUrl(@Root() r: RenderRecord, @Ctx() ctx: GqlContext) {
    return renderSegmentationUrl(ctx.baseUrl, r.id);
  }

  @FieldResolver(() => [DepthMap], { description: 'Per-component pseudo-depth maps.' })
  async depthUrls(@Root() r: RenderRecord, @Ctx() ctx: GqlContext) {
    const indices = await ctx.loaders.depthComponents.load(r.id);
    const info = q.modelInfo(ctx.app, r.modelId);
    return indices.map((i) => {
      const name = info?.components.find((c) => c.index === i)?.name ?? String(i);
      return {
        componentIndex: i,
        componentName: name,
        url: renderDepthUrl(ctx.baseUrl, r.id, name),
      };
    });
  }
}

@Resolver(() => InferenceJob)
export class JobResolver {
  @FieldResolver(() => Render, { nullable: true })
  async render(@Root() j: JobRecord, @Ctx() ctx: GqlContext) {
    return j.renderId ? ctx.loaders.render.load(j.renderId) : null;
  }

  @FieldResolver(() => Edit)
  async edit(@Root() j: JobRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.edit.load(j.editId))!;
  }

  @FieldResolver(() => Face)
  async face(@Root() j: JobRecord, @Ctx() ctx: GqlContext) {
    return (await ctx.loaders.face.load(j.faceId))!;
  }
}

export const resolvers = [
  RootResolver,
  ProjectResolver,
  FaceResolver,
  EditResolver,
  RenderResolver,
  JobResolver,
] as const;
