import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import * as edits from '../domain/edits.ts';
import { modelInfo } from '../domain/queries.ts';
import type { RenderRecord } from '../domain/records.ts';
import { renderDepthUrl, renderImageUrl, renderSegmentationUrl } from '../domain/file-urls.ts';
import { signUrl } from '../domain/signed-urls.ts';
import type { GqlContext } from './context.ts';
import { RenderFaceInput } from './inputs/render-face-input.ts';
import { InferenceJob } from './types/inference-job.ts';
import { DepthMap, Render } from './types/render.ts';

@Resolver(() => Render)
export class RenderResolver {
  @Mutation(() => InferenceJob, {
    description: 'Renders a face (its head or one of its edits) with only the listed components; changes no history.',
  })
  renderFace(@Arg('input', () => RenderFaceInput) input: RenderFaceInput, @Ctx() ctx: GqlContext) {
    return edits.renderFace(ctx.app, ctx.principal, input);
  }

  @FieldResolver(() => String, {
    description:
      'A signed URL, valid for SSG_SIGNED_URL_TTL_S (15 min by default) with no header (usable as <img src>); the Authorization header also works.',
  })
  imageUrl(@Root() r: RenderRecord, @Ctx() ctx: GqlContext) {
    return signUrl(ctx.app.config, renderImageUrl(ctx.baseUrl, r.id), ctx.principal);
  }

  @FieldResolver(() => String, { description: 'Signed like imageUrl.' })
  segmentationUrl(@Root() r: RenderRecord, @Ctx() ctx: GqlContext) {
    return signUrl(ctx.app.config, renderSegmentationUrl(ctx.baseUrl, r.id), ctx.principal);
  }

  @FieldResolver(() => [DepthMap], { description: 'Per-component pseudo-depth maps.' })
  async depthUrls(@Root() r: RenderRecord, @Ctx() ctx: GqlContext) {
    const indices = await ctx.loaders.depthComponents.load(r.id);
    const info = modelInfo(ctx.app, r.modelId);
    return indices.map((i) => {
      const name = info?.components.find((c) => c.index === i)?.name ?? String(i);
      return {
        componentIndex: i,
        componentName: name,
        url: signUrl(ctx.app.config, renderDepthUrl(ctx.baseUrl, r.id, name), ctx.principal),
      };
    });
  }
}
