// The mutations that add an edit to a face's history or move its head. Each passes its input to
// the domain (src/domain/edits.ts), which owns the rules.
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { editFaceAttribute } from '../domain/attributes.ts';
import * as edits from '../domain/edits.ts';
import type { GqlContext } from './context.ts';
import { EditAttributeInput } from './inputs/edit-attribute-input.ts';
import { InterpolateComponentsInput } from './inputs/interpolate-components-input.ts';
import { ResampleComponentsInput } from './inputs/resample-components-input.ts';
import { SetTruncationInput } from './inputs/set-truncation-input.ts';
import { SwapComponentsInput } from './inputs/swap-components-input.ts';
import { EditPayload } from './types/edit-payload.ts';
import { Face } from './types/face.ts';

@Resolver()
export class EditOperationResolver {
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

  @Mutation(() => EditPayload, {
    description:
      "Moves the face along an attribute direction: amount x the direction added to its component's rows only.",
  })
  async editAttribute(@Arg('input', () => EditAttributeInput) input: EditAttributeInput, @Ctx() ctx: GqlContext) {
    return await editFaceAttribute(ctx.app, ctx.principal, input);
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
}
