import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One semantic class of a model (one local generator).' })
export class ModelComponent {
  @Field(() => Int) index!: number;
  @Field(() => String) name!: string;
  @Field(() => Boolean) transparent!: boolean;
  @Field(() => String, { description: 'Segmentation colour as #rrggbb.' }) color!: string;
  @Field(() => [Int], { description: 'Segmentation colour as [r, g, b], 0-255.' }) rgb!: number[];
}

@ObjectType({ description: 'W+ layout: rows 0..baseLayers-1 coarse, then (shape, texture) per component.' })
export class LatentLayout {
  @Field(() => Int) nLatent!: number;
  @Field(() => Int) dim!: number;
  @Field(() => Int) baseLayers!: number;
  @Field(() => Int) numComponents!: number;
}

@ObjectType({ description: 'A model loaded by the server.' })
export class GenerativeModel {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) resolution!: number;
  @Field(() => Boolean, { description: 'True for the demo model with random weights.' }) untrained!: boolean;
  @Field(() => [ModelComponent]) components!: ModelComponent[];
  @Field(() => LatentLayout) layout!: LatentLayout;
}
