import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { notFound } from '../domain/errors.ts';
import { modelInfo } from '../domain/queries.ts';
import type { GqlContext } from './context.ts';
import { modelView } from './model-view.ts';
import { GenerativeModel } from './types/generative-model.ts';

@Resolver(() => GenerativeModel)
export class ModelResolver {
  @Query(() => [GenerativeModel], {
    description: 'The models this server serves (the default model of new projects first).',
  })
  models(@Ctx() ctx: GqlContext) {
    const preferred = ctx.app.models.defaultModelId;
    return ctx.app.models
      .list()
      .sort((a, b) => Number(b.id === preferred) - Number(a.id === preferred) || a.name.localeCompare(b.name))
      .map(modelView);
  }

  @Query(() => GenerativeModel)
  model(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext) {
    const info = modelInfo(ctx.app, id);
    if (!info) throw notFound('model', id);
    return modelView(info);
  }
}
