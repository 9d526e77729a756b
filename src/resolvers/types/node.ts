import { Field, ID, InterfaceType } from 'type-graphql';

@InterfaceType({
  description:
    "Relay's object identification: every Project, Face, Edit and InferenceJob, refetchable with node(id:). Ids are the same UUIDs the other fields take.",
  resolveType: (value: { __typename?: string }) => value.__typename,
})
export abstract class Node {
  @Field(() => ID) id!: string;
}
