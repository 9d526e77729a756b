import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateProjectInput {
  @Field(() => String) name!: string;
  @Field(() => ID, {
    nullable: true,
    description:
      'The model to render with; defaults to the server’s default model (the first trained model it loaded, e.g. cartoon64; the untrained demo only when no other is found). See Query.models.',
  })
  modelId?: string | null;
}
