import { Field, Float, ID, InputType, Int } from 'type-graphql';

@InputType()
export class CreateFaceInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true, description: 'Non-negative; random (and recorded in params) when omitted.' })
  seed?: number | null;
  @Field(() => Float, { nullable: true, description: 'psi in [0, 1.5]; default 0.7.' }) truncation?: number | null;
}
