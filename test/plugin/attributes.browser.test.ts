// The attribute sliders of the built plugin UI in headless Chromium against a real server serving
// the shipped cartoon64 model with its committed directions (models/cartoon64/directions.json):
// the sliders come grouped by part, and moving one and releasing it makes exactly one ATTRIBUTE
// edit, rendered by the queue and placed on the (fake) canvas, whose image changed inside the
// attribute's part.
//
// Needs Chromium at /usr/bin/chromium (Debian package `chromium`); fails without it.
import assert from 'node:assert/strict';
import fs, { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { measureRender } from '../../src/directions/measures.ts';
import { readNpy } from '../../src/inference/npy.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PROJECT_ROOT, startHarness, type Harness } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'plugin');
const RENDER_TIMEOUT = 90_000;
const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-attr-ui-'));

let app: TestApp;
let browser: Browser;
let harness: Harness | undefined;
let harnessUrl = '';

async function gqlData<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await app.gql<T>(query, variables);
  assert.ok(r.data, JSON.stringify(r.errors));
  return r.data;
}

describe('plugin attribute sliders against a real server', { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium is missing at ${CHROMIUM}: apt-get install -y chromium or set CHROMIUM_PATH`,
    );
    harness = await startHarness();
    harnessUrl = harness.url;
    // The shipped trained model with its committed directions.json: attributes out of the box.
    app = await startTestApp({ modelsDir, builtinModelsDir: path.join(PROJECT_ROOT, 'models'), demoModel: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
    await app?.close();
    fs.rmSync(modelsDir, { recursive: true, force: true });
  });

  it('moving a slider and releasing it makes one ATTRIBUTE edit that changes its part', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${harnessUrl}/harness.html?theme=light`);
    await page.waitForFunction(() => (window as unknown as { __harnessReady?: boolean }).__harnessReady === true);
    const frame = (await (await page.waitForSelector('iframe')).contentFrame())!;
    await frame.waitForSelector('#connect-form', { state: 'attached' });
    await frame.getByLabel('Server URL').fill(app.url);
    await frame.getByLabel('API token').fill(app.token);
    await frame.getByRole('button', { name: 'Connect', exact: true }).click();
    await frame.waitForSelector('#main-view:not([hidden])');
    await frame.waitForSelector('#new-project-form:not([hidden])');
    await frame.getByLabel('Name', { exact: true }).first().fill('Sliders');
    await frame.getByRole('button', { name: 'Create project', exact: true }).click();
    await frame.waitForSelector('#new-face-form:not([hidden])');
    await frame.fill('#new-face-name', 'Ada');
    await frame.fill('#new-face-seed', '11');
    await frame.getByRole('button', { name: 'Create face', exact: true }).click();
    await frame.waitForSelector('#face-grid .tile:has-text("Ada")');

    // Sliders grouped by part, one per attribute of the model.
    const { models } = await gqlData(`{ models { id attributes { name component accuracy spread } } }`);
    const attributes: { name: string; component: string; accuracy: number; spread: number }[] = models[0].attributes;
    await frame.waitForSelector('#attributes-panel input[type="range"]');
    const groups = await frame.$$eval('#attributes-panel fieldset', (els) =>
      els.map((e) => (e as HTMLElement).dataset.part),
    );
    assert.deepEqual(groups, [...new Set(attributes.map((a) => a.component))]);
    assert.equal(await frame.locator('#attributes-panel input[type="range"]').count(), attributes.length);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.locator('iframe').screenshot({ path: path.join(ARTIFACTS, 'attributes-panel.png') });

    // Move the area direction of the largest part this face shows, +2 spreads, and release.
    const { projects } = await gqlData(
      `{ projects(first: 1) { edges { node { faces(first: 1) { edges { node { id head { id latentNpyBase64 } } } } } } } }`,
    );
    const faceNode = projects.edges[0].node.faces.edges[0].node;
    const latent = (b64: string) => readNpy(Buffer.from(b64, 'base64')).data;
    const rt = app.ctx.models.get(models[0].id)!;
    const shown = measureRender(await rt.renderRaw([latent(faceNode.head.latentNpyBase64)]), 0);
    const indexOf = (name: string) => rt.info.components.find((c) => c.name === name)!.index;
    const attribute = attributes
      .filter((a) => a.name.endsWith('-area'))
      .reduce((a, b) => (shown[indexOf(b.component)].area > shown[indexOf(a.component)].area ? b : a));
    await frame.waitForFunction(
      (id) => !(document.getElementById(id) as HTMLInputElement).disabled,
      `attr-${attribute.name}`,
    );
    await frame.locator(`#attr-${attribute.name}`).fill('2');
    await page.waitForFunction(() => (window as any).__fake.log.toUi.some((m: any) => m.type === 'placed'), undefined, {
      timeout: RENDER_TIMEOUT,
    });
    // The slider snaps back to 0 once the edit is done: the next move starts from the new head.
    await frame.waitForFunction(
      (id) => (document.getElementById(id) as HTMLInputElement).value === '0',
      `attr-${attribute.name}`,
    );

    const { face } = await gqlData(
      `query($id: ID!) { face(id: $id) { head { id operation params parentId latentNpyBase64 } edits(first: 10) { edges { node { operation } } } } }`,
      { id: faceNode.id },
    );
    const ops = face.edits.edges.map((e: any) => e.node.operation);
    assert.deepEqual(ops, ['ATTRIBUTE', 'SAMPLE'], 'exactly one ATTRIBUTE edit');
    assert.equal(face.head.parentId, faceNode.head.id);
    assert.equal(face.head.params.attribute, attribute.name);
    assert.ok(Math.abs(face.head.params.amount - 2 * attribute.spread) < 1e-9);

    // The image differs in the right part: the part's area changed, and the pixels that changed lie
    // mostly where that part is (before or after).
    const raw = await rt.renderRaw([latent(faceNode.head.latentNpyBase64), latent(face.head.latentNpyBase64)]);
    const k = rt.info.components.find((c) => c.name === attribute.component)!.index;
    const [m0, m1] = [measureRender(raw, 0), measureRender(raw, 1)];
    assert.notEqual(m1[k].area, m0[k].area, `${attribute.name}: area ${m0[k].area} -> ${m1[k].area}`);
    const H = raw.size,
      K = raw.numComponents,
      P = H * H;
    const cls = (b: number, p: number) => {
      let best = 0;
      for (let c = 1; c < K; c++)
        if (raw.segmentation[b * K * P + c * P + p] > raw.segmentation[b * K * P + best * P + p]) best = c;
      return best;
    };
    let inside = 0,
      outside = 0,
      insideN = 0;
    for (let p = 0; p < P; p++) {
      let d = 0;
      for (let c = 0; c < 3; c++) d += Math.abs(raw.image[3 * P + c * P + p] - raw.image[c * P + p]);
      const inPart = cls(0, p) === k || cls(1, p) === k;
      if (inPart) {
        inside += d;
        insideN++;
      } else outside += d;
    }
    const perInside = inside / Math.max(1, insideN),
      perOutside = outside / Math.max(1, P - insideN);
    assert.ok(
      perInside > 2 * perOutside,
      `mean change per pixel inside ${attribute.component}: ${perInside}, outside: ${perOutside}`,
    );
    assert.deepEqual(problems, []);
    await page.close();
  });
});
