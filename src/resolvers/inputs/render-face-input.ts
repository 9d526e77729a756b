import { Field, ID, InputType } from 'type-graphql';
import { RenderQuality } from '../types/enums.ts';

@InputType()
export class RenderFaceInput {
  @Field(() => ID) faceId!: string;
  @Field(() => ID, { nullable: true, description: "Defaults to the face's head." }) editId?: string | null;
  @Field(() => [String], { description: 'Components to keep; the others are dropped by the composition mask.' })
  components!: string[];
  @Field(() => RenderQuality, {
    nullable: true,
    defaultValue: RenderQuality.FULL,
    description: 'PREVIEW: the cheaper lower-level render (see RenderQuality); cached apart from FULL.',
  })
  quality?: RenderQuality | null;
}
