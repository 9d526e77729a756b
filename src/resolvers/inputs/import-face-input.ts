import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class ImportFaceInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, {
    description: 'Base64 of an official-format float32 .npy: a w [1, D] or a W+ [1, n_latent, D] / [n_latent, D].',
  })
  latentBase64!: string;
}
