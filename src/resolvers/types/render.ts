import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "One component's pseudo-depth map of a render." })
export class DepthMap {
  @Field(() => Int) componentIndex!: number;
  @Field(() => String) componentName!: string;
  @Field(() => String) url!: string;
}

@ObjectType({
  description:
    "This workspace's images of one latent under one model (immutable). Identical renders share stored images across workspaces, but the id and createdAt are this workspace's own.",
})
export class Render {
  @Field(() => ID) id!: string;
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}
