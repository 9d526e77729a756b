import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { ComponentPart } from '../types/enums.ts';

@InputType()
export class ResampleComponentsInput {
  @Field(() => ID) faceId!: string;
  @Field(() => [String]) components!: string[];
  @Field(() => ComponentPart, { defaultValue: ComponentPart.BOTH }) part!: ComponentPart;
  @Field(() => Int, { nullable: true, description: 'Random (and recorded in params) when omitted.' }) seed?:
    number | null;
  @Field(() => Float, { nullable: true, description: 'psi for the fresh codes, in [0, 1.5]; default 0.7.' })
  truncation?: number | null;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}
