import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { FaceStatus } from './enums.ts';
import { Node } from './node.ts';

@ObjectType({ implements: Node })
export class Face implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Number of edits in the whole history tree.' }) editCount!: number;
  @Field(() => FaceStatus) status!: FaceStatus;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}
