import { Field, Float, ID, InputType } from 'type-graphql';
import { ComponentPart } from '../types/enums.ts';

@InputType()
export class InterpolateComponentsInput {
  @Field(() => ID) faceId!: string;
  @Field(() => ID) otherFaceId!: string;
  @Field(() => [String]) components!: string[];
  @Field(() => ComponentPart, { defaultValue: ComponentPart.BOTH }) part!: ComponentPart;
  @Field(() => Float, { description: '0 = this face, 1 = the other face; in [0, 1].' }) t!: number;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}
