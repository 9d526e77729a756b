import { Field, Float, ID, InputType } from 'type-graphql';

@InputType()
export class SetTruncationInput {
  @Field(() => ID) faceId!: string;
  @Field(() => Float, { description: 'In [0, 1.5]: w_avg + psi * (w - w_avg).' }) psi!: number;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}
