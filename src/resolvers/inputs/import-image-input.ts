import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: "A square of the image, in its pixels: what importImage resizes to the model's side." })
export class CropInput {
  @Field(() => Int) x!: number;
  @Field(() => Int) y!: number;
  @Field(() => Int) size!: number;
}

@InputType()
export class ImportImageInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, {
    description: 'Base64 of a PNG or JPEG file (a data: URL prefix is accepted), at most 8 MiB.',
  })
  imageBase64!: string;
  @Field(() => CropInput, {
    nullable: true,
    description: 'The square to take; default the centre square. Frame the face as the training images are.',
  })
  crop?: CropInput | null;
  @Field(() => Int, {
    nullable: true,
    description: "Encoder iterations (1-10); default the model's encoder's own. More: closer, slower.",
  })
  iterations?: number | null;
}
