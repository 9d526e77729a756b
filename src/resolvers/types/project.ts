import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { Node } from './node.ts';

@ObjectType({ implements: Node })
export class Project implements Node {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}
