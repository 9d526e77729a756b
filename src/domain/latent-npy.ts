// An edit's latent as the authors' .npy file ([1, n_latent, D] float32): the GraphQL field and the
// GET /edits/{id}/latent.npy route both serve this.
import type { AppContext } from '../context.ts';
import { writeNpy } from '../inference/npy.ts';
import { editLatent, modelInfo } from './queries.ts';
import { latentFromBytes } from './records.ts';
import type { Principal } from './tokens.ts';

export async function latentNpy(app: AppContext, principal: Principal, editId: string): Promise<Buffer> {
  const { latent, modelId } = await editLatent(app, principal, editId);
  const values = latentFromBytes(latent);
  const dim = modelInfo(app, modelId)?.layout.dim ?? 512;
  return writeNpy(values, [1, values.length / dim, dim]);
}
