import { Field, Float, Int, ObjectType } from 'type-graphql';
import { AttributeSource, ComponentPart } from './enums.ts';

@ObjectType({
  description:
    "An attribute direction of a model: a unit vector on one component's rows of W+ (its shape row, texture row or both); editAttribute moves a face along it.",
})
export class Attribute {
  @Field(() => String, { description: 'What editAttribute names, e.g. "hair-area", "eyeglasses-presence".' })
  name!: string;
  @Field(() => String, { description: 'The component whose rows it moves.' }) component!: string;
  @Field(() => ComponentPart) part!: ComponentPart;
  @Field(() => Float, {
    nullable: true,
    description:
      'Held-out score: R^2 (ridge, learned), accuracy (classifiers, examples); null when unknown (imported).',
  })
  accuracy!: number | null;
  @Field(() => Float, {
    description: "Standard deviation of sampled faces' codes along it (W units): a slider spans about +-3 spreads.",
  })
  spread!: number;
  @Field(() => AttributeSource) source!: AttributeSource;
  @Field(() => String, { description: 'ridge, linear-svm or imported-npy.' }) method!: string;
  @Field(() => Int, { description: 'Samples or marked faces it was fitted on (0 when imported).' }) samples!: number;
}
