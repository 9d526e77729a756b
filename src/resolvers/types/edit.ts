import { GraphQLJSON } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { EditOperation } from './enums.ts';
import { Node } from './node.ts';

@ObjectType({ description: "One node of a face's history tree.", implements: Node })
export class Edit implements Node {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: "Position in the face's history: 1 for the root, newest = highest." }) seq!: number;
  @Field(() => EditOperation) operation!: EditOperation;
  @Field(() => ID, { nullable: true, description: 'The parent edit id; null for the root.' }) parentId!: string | null;
  @Field(() => GraphQLJSON, {
    description: 'The operation\'s parameters, e.g. {"components": ["hair"], "part": "BOTH"}.',
  })
  params!: unknown;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}
