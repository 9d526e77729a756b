import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({
  description:
    'What deleteProject or deleteFace removed. Renders that other faces still use are kept; QUEUED jobs were cancelled first.',
})
export class Deletion {
  @Field(() => ID, { description: 'The deleted project or face.' }) id!: string;
  @Field(() => Int) faces!: number;
  @Field(() => Int) edits!: number;
  @Field(() => Int, { description: 'QUEUED jobs cancelled (subscribers see CANCELLED).' }) cancelledJobs!: number;
  @Field(() => Int, { description: 'Stored renders no remaining edit or job used.' }) renders!: number;
}
