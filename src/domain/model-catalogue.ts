// The GenerativeModel table: every model a process serves is recorded there (name, resolution,
// manifest) with the attribute directions its directory ships (directions.json), so that projects
// and attributes can refer to it by id from any process. Run once at start, after the models load.
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/client.ts';
import { DirectionError } from '../directions/direction.ts';
import { readDirections } from '../directions/file.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { replaceModelDirections } from './sql/attribute-directions.ts';

export async function syncModelCatalogue(prisma: PrismaClient, models: ModelRegistry, log: Logger): Promise<void> {
  for (const info of models.list()) {
    const data = {
      name: info.name,
      resolution: info.resolution,
      untrained: info.untrained,
      manifest: JSON.parse(JSON.stringify(info)),
    };
    await prisma.generativeModel.upsert({ where: { id: info.id }, create: { id: info.id, ...data }, update: data });
    const dir = models.get(info.id)!.dir;
    try {
      const directions = readDirections(dir, info);
      await replaceModelDirections(prisma, info.id, directions);
      if (directions.length) log.info({ model: info.id, count: directions.length }, 'attribute directions loaded');
    } catch (err) {
      // A broken directions.json costs the model its attributes, not the process its start.
      if (!(err instanceof DirectionError)) throw err;
      log.error({ dir, err: err.message }, 'attribute directions skipped');
    }
  }
}
