import { Field, ID, InputType } from 'type-graphql';
import { ComponentPart } from '../types/enums.ts';

@InputType({ description: 'Faces of one project marked as having a quality (positive) or not (negative).' })
export class LearnAttributeInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String, { description: "The attribute's name (not one of the model's own)." }) name!: string;
  @Field(() => String, { description: 'The component whose rows the direction moves.' }) component!: string;
  @Field(() => ComponentPart, { defaultValue: ComponentPart.SHAPE }) part!: ComponentPart;
  @Field(() => [ID], { description: 'At least 2 faces that have the quality.' }) positiveFaceIds!: string[];
  @Field(() => [ID], { description: 'At least 2 faces that do not.' }) negativeFaceIds!: string[];
}
