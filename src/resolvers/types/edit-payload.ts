import { Field, ObjectType } from 'type-graphql';
import { Edit } from './edit.ts';
import { Face } from './face.ts';
import { InferenceJob } from './inference-job.ts';

@ObjectType({ description: 'What every edit-producing mutation returns.' })
export class EditPayload {
  @Field(() => Face) face!: unknown;
  @Field(() => Edit) edit!: unknown;
  @Field(() => InferenceJob, { description: "The edit's render job (QUEUED)." }) job!: unknown;
}
