// A model's attributes (the directions the caller's workspace sees) and learning one from examples.
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import * as attributes from '../domain/attributes.ts';
import type { GqlContext } from './context.ts';
import { LearnAttributeInput } from './inputs/learn-attribute-input.ts';
import { Attribute } from './types/attribute.ts';
import { GenerativeModel } from './types/generative-model.ts';

const view = (a: attributes.AttributeRow): Attribute => ({
  name: a.name,
  component: a.component,
  part: a.part,
  accuracy: a.accuracy,
  spread: a.spread,
  source: a.source.toUpperCase() as Attribute['source'],
  method: a.method,
  samples: a.samples,
});

@Resolver(() => GenerativeModel)
export class AttributeResolver {
  @FieldResolver(() => [Attribute], {
    description: "The model's attribute directions and the caller's workspace's own, by component then name.",
  })
  async attributes(@Root() model: GenerativeModel, @Ctx() ctx: GqlContext) {
    return (await attributes.listAttributes(ctx.app, ctx.principal, model.id)).map(view);
  }

  @Mutation(() => Attribute, {
    description:
      "Fits a direction (linear SVM on the faces' head latents, the component's rows) from marked faces of a project; the workspace's own. Synchronous: it renders nothing.",
  })
  async learnAttribute(@Arg('input', () => LearnAttributeInput) input: LearnAttributeInput, @Ctx() ctx: GqlContext) {
    return view(await attributes.learnAttribute(ctx.app, ctx.principal, input));
  }
}
