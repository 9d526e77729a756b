import { Field, ID, InputType } from 'type-graphql';
import { ComponentPart } from '../types/enums.ts';

@InputType()
export class SwapComponentsInput {
  @Field(() => ID) targetFaceId!: string;
  @Field(() => ID) sourceFaceId!: string;
  @Field(() => [String], { description: 'Component names of the model, plus "coarse" for the base codes.' })
  components!: string[];
  @Field(() => ComponentPart, { defaultValue: ComponentPart.BOTH }) part!: ComponentPart;
  @Field(() => ID, { nullable: true, description: 'Fail with CONFLICT unless the target head is this edit.' })
  expectedHeadId?: string | null;
}
