import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import * as edits from '../domain/edits.ts';
import * as q from '../domain/queries.ts';
import { noWorkerReason } from '../jobs/sql/served-models.ts';
import type { JobRecord } from '../domain/records.ts';
import type { GqlContext } from './context.ts';
import { jobUpdates } from './subscriptions.ts';
import { Edit } from './types/edit.ts';
import { Face } from './types/face.ts';
import { InferenceJob } from './types/inference-job.ts';
import { Render } from './types/render.ts';

@Resolver(() => InferenceJob)
export class JobResolver {
  @Query(() => InferenceJob)
  job(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<JobRecord> {
    return q.findJob(ctx.app, ctx.principal, id);
  }

  @Mutation(() => InferenceJob, {
    description:
      'Cancels a QUEUED job, or an importImage job while it runs (its face becomes FAILED); a started render or a finished job is returned unchanged.',
  })
  cancelJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    return edits.cancelJob(ctx.app, ctx.principal, id);
  }

  @Subscription(() => InferenceJob, {
    description: 'The job now, then at every change; completes after SUCCEEDED, FAILED or CANCELLED.',
    subscribe: ({ args, context }) => jobUpdates(context as GqlContext, String(args.id)),
  })
  jobUpdated(@Root() job: JobRecord, @Arg('id', () => ID) _id: string): JobRecord {
    return job;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Why a QUEUED job is not running, e.g. when no live worker has loaded its model (it waits without using attempts); null otherwise.',
  })
  async waitingReason(@Root() j: JobRecord, @Ctx() ctx: GqlContext): Promise<string | null> {
    if (j.status !== 'QUEUED') return null;
    return (await ctx.loaders.modelServed.load(j.modelId)) ? null : noWorkerReason(j.modelId);
  }

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
