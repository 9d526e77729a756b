import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { JobKind, JobStatus } from './enums.ts';
import { Node } from './node.ts';

@ObjectType({ implements: Node })
export class InferenceJob implements Node {
  @Field(() => ID) id!: string;
  @Field(() => JobKind) kind!: JobKind;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Float, { nullable: true, description: '0..1 while an INVERT_IMAGE job runs; null for renders.' })
  progress!: number | null;
  @Field(() => Int) attempts!: number;
  @Field(() => Int) maxAttempts!: number;
  @Field(() => GraphQLJSON, { description: 'Render options, e.g. {"components": [0, 1, 7]} for renderFace.' })
  options!: unknown;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) finishedAt!: Date | null;
}
