// The dry-run image a slider's drag shows (previewEdit), next to the face as it is now.
import { html } from 'lit-html';
import { thumb } from '../images';
import { currentFace, get, type EditorName } from '../state';

export function previewView(tool: EditorName) {
  const { preview } = get();
  const face = currentFace();
  const mine = preview?.tool === tool ? preview : null;
  return html`<div class="preview-pair" ?hidden=${!mine}>
    <figure class="preview">
      ${face ? thumb(face.head.render, `${face.name} now`) : ''}
      <figcaption>Now</figcaption>
    </figure>
    <figure
      id=${`${tool}-preview`}
      class="preview"
      data-count=${String(mine?.count ?? 0)}
      data-quality=${mine?.quality ?? ''}
      title=${mine?.width ? `Preview (${mine.quality.toLowerCase()}, ${mine.width} px)` : 'Preview'}
      aria-busy=${String(!!mine?.pending)}
    >
      ${
        mine?.url
          ? html`<img class="thumb" alt=${`Preview: ${mine.description}`} src=${mine.url} />`
          : html`<img class="thumb pending" alt="Preview on its way" />`
      }
      <figcaption>${mine?.description || 'Preview…'}</figcaption>
    </figure>
  </div>`;
}
