import { GraphQLJSON } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { EditOperation, RenderQuality } from './enums.ts';

@ObjectType({ description: 'The image an edit would make (previewEdit); nothing of it is stored.' })
export class EditPreview {
  @Field(() => String, { description: 'The image as a data:image/png;base64 URL.' }) imageUrl!: string;
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => RenderQuality) quality!: RenderQuality;
  @Field(() => EditOperation) operation!: EditOperation;
  @Field(() => GraphQLJSON, { description: "The params the edit would record (a resample's seed included)." })
  params!: unknown;
  @Field(() => String, { description: 'The words Edit.description would say, e.g. "hair resampled, seed 812".' })
  description!: string;
}
