import { Field, InputType } from 'type-graphql';
import { RenderQuality } from '../types/enums.ts';
import { EditAttributeInput } from './edit-attribute-input.ts';
import { InterpolateComponentsInput } from './interpolate-components-input.ts';
import { ResampleComponentsInput } from './resample-components-input.ts';
import { SetTruncationInput } from './set-truncation-input.ts';
import { SwapComponentsInput } from './swap-components-input.ts';

@InputType({
  description:
    'A dry run of one edit operation: set exactly one operation field, with the same input as its mutation. ' +
    'Nothing is written: no Edit row, no job. expectedHeadId is checked as in the real edit.',
})
export class PreviewEditInput {
  @Field(() => SwapComponentsInput, { nullable: true }) swap?: SwapComponentsInput | null;
  @Field(() => ResampleComponentsInput, {
    nullable: true,
    description: 'Give a seed to preview what the edit with that seed will make (omitted: a random seed, in params).',
  })
  resample?: ResampleComponentsInput | null;
  @Field(() => InterpolateComponentsInput, { nullable: true }) interpolate?: InterpolateComponentsInput | null;
  @Field(() => SetTruncationInput, { nullable: true }) truncation?: SetTruncationInput | null;
  @Field(() => EditAttributeInput, { nullable: true }) attribute?: EditAttributeInput | null;
  @Field(() => RenderQuality, { nullable: true, defaultValue: RenderQuality.PREVIEW }) quality!: RenderQuality;
}
