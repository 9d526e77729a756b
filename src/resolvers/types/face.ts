import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { FaceStatus } from './enums.ts';
import { Node } from './node.ts';

@ObjectType({ implements: Node })
export class Face implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Number of edits in the whole history tree.' }) editCount!: number;
  @Field(() => FaceStatus) status!: FaceStatus;
  @Field(() => String, {
    nullable: true,
    description: "Why the face is FAILED: its import was cancelled, or its inversion job failed (the job's error).",
  })
  failureReason!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}
