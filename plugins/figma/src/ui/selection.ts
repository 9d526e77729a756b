// Following the canvas selection: a node placed by this plugin names its server, project and face;
// selecting it opens that project and face in the panels.
import { showError } from './banner';
import { ensureFaceLoaded, setTarget } from './panels/faces';
import { loadHistory } from './panels/history';
import { openProject } from './panels/projects';
import { faceById, get, set } from './state';

/** Opens the project and face of the selected canvas node (when it is one of this server's). */
export async function followSelection(): Promise<void> {
  const { selection: sel, client: c } = get();
  if (!sel || !c || sel.serverUrl !== c.serverUrl) return;
  try {
    if (get().project?.id !== sel.projectId) {
      if (!get().projects.some((p) => p.id === sel.projectId)) set({ projects: await c.projects() });
      await openProject(sel.projectId);
    }
    if (!faceById(sel.faceId)) await ensureFaceLoaded(sel.faceId);
    if (get().targetId !== sel.faceId) await setTarget(sel.faceId);
    else await loadHistory();
  } catch (err) {
    showError(err);
  }
}
