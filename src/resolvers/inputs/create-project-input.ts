import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateProjectInput {
  @Field(() => String) name!: string;
  @Field(() => ID, { nullable: true, description: 'Defaults to the demo model.' }) modelId?: string | null;
}
