// previewEdit: a dry run of any edit operation (src/domain/preview-edit.ts says why it runs in
// the API process rather than through the job queue).
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { previewEdit } from '../domain/preview-edit.ts';
import type { GqlContext } from './context.ts';
import { PreviewEditInput } from './inputs/preview-edit-input.ts';
import { EditPreview } from './types/edit-preview.ts';

@Resolver(() => EditPreview)
export class PreviewResolver {
  @Mutation(() => EditPreview, {
    description:
      'The image the edit would make, computed exactly as the edit would (same checks and error codes), rendered ' +
      'in this process at `quality` (default PREVIEW) and returned inline. Writes no history: no Edit row, no job.',
  })
  previewEdit(@Arg('input', () => PreviewEditInput) input: PreviewEditInput, @Ctx() ctx: GqlContext) {
    return previewEdit(ctx.app, ctx.principal, input);
  }
}
