import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class RenderFaceInput {
  @Field(() => ID) faceId!: string;
  @Field(() => ID, { nullable: true, description: "Defaults to the face's head." }) editId?: string | null;
  @Field(() => [String], { description: 'Components to keep; the others are dropped by the composition mask.' })
  components!: string[];
}
