import { Field, Float, ID, InputType } from 'type-graphql';

@InputType()
export class EditAttributeInput {
  @Field(() => ID) faceId!: string;
  @Field(() => String, { description: "An attribute of the face's model (GenerativeModel.attributes name)." })
  attribute!: string;
  @Field(() => Float, {
    description:
      'Distance along the unit direction in W units, finite, |amount| <= 10 spreads; negative moves the other way.',
  })
  amount!: number;
  @Field(() => ID, { nullable: true }) expectedHeadId?: string | null;
}
