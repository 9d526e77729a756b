// The plugin's edit tools (More tools: resample, blend, truncation, parts one by one, compare,
// import/export) in headless Chromium, against a real server on a fresh database, through the
// same harness as ui.browser.test.ts (built dist/code.js on the fake figma, the built UI in a
// sandboxed iframe). Every tool is checked on what a designer would check — the images (decoded
// pixels: the canvas fill, the server's renders) and the database (edit rows, their operation,
// parent and params) — not only on the DOM. Screenshots go to test-artifacts/plugin/.
//
// Needs Chromium at /usr/bin/chromium (Debian package `chromium`); fails without it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { renderSample } from '../../src/dataset/render-sample.ts';
import { sampleSeed } from '../../src/dataset/seeded-random.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { makePng, PROJECT_ROOT, startHarness, type Harness } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'plugin');
// Set SSG_UPDATE_DOCS_SCREENSHOT=1 to refresh the README's screenshot from this run.
const DOCS_SCREENSHOT = path.join(PROJECT_ROOT, 'docs', 'plugin-screenshot.png');
const RENDER_TIMEOUT = 90_000;

let app: TestApp;
let browser: Browser;
let harness: Harness | undefined;
let harnessUrl = '';

/** The plugin, already connected (settings in clientStorage), with the GraphQL operations it sends. */
async function openPlugin(theme: 'light' | 'dark' = 'light') {
  const page = await browser.newPage({ viewport: { width: 420, height: 640 }, deviceScaleFactor: 2 });
  const problems: string[] = [];
  const operations: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'POST' || !r.url().endsWith('/graphql')) return;
    const m = /^\s*(?:query|mutation)\s+(\w+)/.exec(
      (JSON.parse(r.postData() ?? '{}') as { query?: string }).query ?? '',
    );
    if (m) operations.push(m[1]);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  const storage = { 'ssg-studio.settings': { serverUrl: app.url, token: app.token } };
  await page.addInitScript((s) => {
    (window as unknown as { __initialClientStorage: unknown }).__initialClientStorage = s;
  }, storage);
  await page.goto(`${harnessUrl}/harness.html?theme=${theme}`);
  await page.waitForFunction(() => (window as unknown as { __harnessReady?: boolean }).__harnessReady === true);
  const frame = (await (await page.waitForSelector('iframe')).contentFrame())!;
  await frame.waitForSelector('#main-view:not([hidden])');
  return { page, frame, problems, operations };
}

interface CanvasNode {
  id: string;
  type: string;
  name: string;
  fills: { type: string; imageHash: string | null }[];
  pluginData: Record<string, string>;
  children: { name: string; overlay: string; fills: string[] }[];
}
const canvas = (page: Page) => page.evaluate(() => (window as any).__canvas() as CanvasNode[]);
const placedCount = (page: Page) =>
  page.evaluate(() => (window as any).__fake.log.toUi.filter((m: any) => m.type === 'placed').length as number);
async function waitPlaced(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => (window as any).__fake.log.toUi.filter((m: any) => m.type === 'placed').length >= want,
    n,
    { timeout: RENDER_TIMEOUT },
  );
}
/** The bytes of an image on the fake canvas, by its hash. */
const canvasImage = async (page: Page, hash: string) =>
  new Uint8Array(await page.evaluate((h) => Array.from((window as any).__fake.images.get(h) as Uint8Array), hash));

/** Byte-equal (assert.deepEqual's diff of two large arrays takes minutes when they differ). */
function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  assert.ok(Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0, `${what} (${a.length} vs ${b.length} bytes)`);
}

/** A PNG's pixels (RGBA). */
function pixels(png: Uint8Array): { width: number; height: number; data: Buffer } {
  const p = PNG.sync.read(Buffer.from(png));
  return { width: p.width, height: p.height, data: p.data };
}
/** Mean absolute difference of two same-sized images, 0..255. */
function meanDiff(a: Uint8Array, b: Uint8Array): number {
  const [x, y] = [pixels(a), pixels(b)];
  assert.deepEqual([x.width, x.height], [y.width, y.height], 'images of the same size');
  let sum = 0;
  for (let i = 0; i < x.data.length; i++) sum += Math.abs(x.data[i] - y.data[i]);
  return sum / x.data.length;
}
async function renderBytes(renderId: string): Promise<Uint8Array> {
  const res = await fetch(`${app.url}/renders/${renderId}/image.png`, {
    headers: { authorization: `Bearer ${app.token}` },
  });
  assert.equal(res.status, 200);
  return new Uint8Array(await res.arrayBuffer());
}

async function shot(target: Page | Frame | Locator, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  if ('screenshot' in target) await target.screenshot({ path: file });
  return file;
}

/** The face's edits from the database, oldest first. */
const editRows = (faceId: string) =>
  app.ctx.prisma.edit.findMany({ where: { faceId }, orderBy: { seq: 'asc' }, include: { render: true } });
async function headOf(faceId: string) {
  const face = await app.ctx.prisma.face.findUniqueOrThrow({ where: { id: faceId } });
  return app.ctx.prisma.edit.findUniqueOrThrow({ where: { id: face.headEditId! }, include: { render: true } });
}

/** Drags a range input with the mouse from its value `from` to `to` in `steps`, pausing so previews can arrive. */
async function drag(page: Page, slider: Locator, from: number, to: number, steps: number, pauseMs = 400) {
  const box = (await slider.boundingBox())!;
  const [min, max] = await slider.evaluate((el: HTMLInputElement) => [Number(el.min), Number(el.max)]);
  // The thumb's centre runs from half a thumb in from each end (Chromium's thumb is ~16 px).
  const x = (v: number) => box.x + 8 + ((v - min) / (max - min)) * (box.width - 16);
  const y = box.y + box.height / 2;
  await page.mouse.move(x(from), y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(x(from + ((to - from) * i) / steps), y, { steps: 2 });
    await page.waitForTimeout(pauseMs);
  }
  return { release: () => page.mouse.up() };
}

let projectId = '';
const faces: Record<string, string> = {};
let components: string[] = [];
let trainedModelId = '';

describe('figma plugin edit tools against a real server', { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);
    harness = await startHarness();
    harnessUrl = harness.url;
    // The demo model for the tools, and the shipped trained model with its encoder for importImage.
    app = await startTestApp({ builtinModelsDir: path.join(PROJECT_ROOT, 'models') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // A project with two faces, made through the API (the UI's own creation is ui.browser.test.ts').
    const models = await app.gql<{
      models: { id: string; untrained: boolean; components: { name: string; index: number }[] }[];
    }>(`{ models { id untrained components { name index } } }`);
    assert.ok(models.data, JSON.stringify(models.errors));
    const demo = models.data.models.find((m) => m.untrained)!;
    trainedModelId = models.data.models.find((m) => !m.untrained)!.id;
    components = demo.components.map((c) => c.name);
    const p = await app.gql<{ createProject: { id: string } }>(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { name: 'Tools', modelId: demo.id } },
    );
    assert.ok(p.data, JSON.stringify(p.errors));
    projectId = p.data.createProject.id;
    for (const [name, seed] of [
      ['Grace', 22],
      ['Ada', 11],
    ] as const) {
      const r = await app.gql<{ createFace: { face: { id: string } } }>(
        `mutation($input: CreateFaceInput!) { createFace(input: $input) { face { id } } }`,
        { input: { projectId, name, seed } },
      );
      assert.ok(r.data, JSON.stringify(r.errors));
      faces[name] = r.data.createFace.face.id;
    }
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
    await app?.close();
  });

  it('resample with "try another", blend and truncation sliders: drags preview, release makes one edit', async () => {
    const { page, frame, problems, operations } = await openPlugin();
    await frame.click(`[data-face-id="${faces.Ada}"]`);
    await frame.waitForSelector(`[data-face-id="${faces.Ada}"][aria-pressed="true"]`);
    await frame.waitForSelector('#history-list li[aria-current="step"]', { timeout: RENDER_TIMEOUT });
    await frame.waitForFunction(() => !!(document.querySelector('#target-card img') as HTMLImageElement)?.src);
    const part = components.find((c) => c !== 'background')!;
    await frame.check(`#component-list input[value="${part}"]`);
    const root = (await editRows(faces.Ada))[0];
    assert.equal(root.operation, 'SAMPLE');

    // Resample: one RESAMPLE edit of the ticked component, placed on the canvas, pixels changed.
    await frame.getByRole('tab', { name: 'Resample' }).click();
    assert.match((await frame.textContent('#resample-summary')) ?? '', new RegExp(part));
    await frame.getByRole('button', { name: 'Resample', exact: true }).click();
    await waitPlaced(page, 1);
    let rows = await editRows(faces.Ada);
    assert.equal(rows.length, 2);
    const try1 = rows[1];
    assert.equal(try1.operation, 'RESAMPLE');
    assert.equal(try1.parentId, root.id);
    const p1 = try1.params as { components: string[]; part: string; seed: number };
    assert.deepEqual(p1.components, [part]);
    assert.equal(p1.part, 'BOTH');
    assert.ok(Number.isInteger(p1.seed));
    let nodes = await canvas(page);
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0].pluginData.editId, try1.id);
    const rootPng = await renderBytes(root.renderId!);
    const try1Png = await canvasImage(page, nodes[0].fills[0].imageHash!);
    assert.ok(meanDiff(rootPng, try1Png) > 1, 'the resampled face looks different');
    sameBytes(try1Png, await renderBytes((await headOf(faces.Ada)).renderId!), 'the canvas shows the edit');

    // Try another: the first try is undone and the same component resampled from a new seed; the
    // two tries are siblings (branches of the root), the same canvas node shows the new one.
    await frame.waitForSelector('#resample-again-btn:not([disabled])');
    await frame.getByRole('button', { name: 'Try another', exact: true }).click();
    await waitPlaced(page, 2);
    rows = await editRows(faces.Ada);
    assert.equal(rows.length, 3);
    const try2 = rows[2];
    assert.equal(try2.operation, 'RESAMPLE');
    assert.equal(try2.parentId, root.id, 'a sibling of the first try');
    const p2 = try2.params as { components: string[]; seed: number };
    assert.deepEqual(p2.components, [part]);
    assert.notEqual(p2.seed, p1.seed);
    assert.equal((await headOf(faces.Ada)).id, try2.id);
    nodes = await canvas(page);
    assert.equal(nodes.length, 1, 'updated in place');
    const try2Png = await canvasImage(page, nodes[0].fills[0].imageHash!);
    assert.ok(meanDiff(try1Png, try2Png) > 1, 'another seed, another look');
    await frame.waitForSelector(`#history-list li[data-edit-id="${try2.id}"][aria-current="step"]`);
    await shot(page.locator('iframe'), '20-resample');

    // Blend toward Grace: dragging the slider sends dry runs (previews, no edit) ...
    await frame.getByRole('tab', { name: 'Blend' }).click();
    await frame.selectOption('#blend-toward', faces.Grace);
    const blendSlider = frame.locator(`#blend-sliders input[data-component="${part}"]`);
    await blendSlider.waitFor();
    const before = operations.length;
    const blendDrag = await drag(page, blendSlider, 0, 60, 4);
    await frame.waitForFunction(() => Number(document.getElementById('blend-preview')?.dataset.count) >= 2, undefined, {
      timeout: RENDER_TIMEOUT,
    });
    const previewSrc = await frame.getAttribute('#blend-preview img', 'src');
    assert.match(previewSrc ?? '', /^data:image\/png;base64,/);
    const previewPng = Buffer.from(previewSrc!.split(',')[1], 'base64');
    assert.equal(await frame.getAttribute('#blend-preview', 'data-quality'), 'PREVIEW', 'the cheaper graph');
    const fullWidth = pixels(try2Png).width;
    assert.ok(pixels(previewPng).width <= fullWidth, `preview ${pixels(previewPng).width} px, full ${fullWidth} px`);
    await shot(page.locator('iframe'), '21-blend-dragging');
    assert.equal((await editRows(faces.Ada)).length, 3, 'no edit while dragging');
    const sent = operations.slice(before);
    assert.ok(sent.filter((o) => o === 'PluginPreviewEdit').length >= 2, `previews sent: ${sent.join(', ')}`);
    assert.ok(!sent.includes('PluginInterpolate'));
    // ... and letting go makes exactly one INTERPOLATE edit with the slider's amount.
    const shownT = Number((await blendSlider.inputValue()) ?? '0') / 100;
    await blendDrag.release();
    await waitPlaced(page, 3);
    rows = await editRows(faces.Ada);
    assert.equal(rows.length, 4, 'exactly one edit');
    const blend = rows[3];
    assert.equal(blend.operation, 'INTERPOLATE');
    assert.equal(blend.parentId, try2.id);
    const bp = blend.params as { components: string[]; otherFaceId: string; t: number; part: string };
    assert.deepEqual(bp.components, [part]);
    assert.equal(bp.otherFaceId, faces.Grace);
    assert.ok(Math.abs(bp.t - shownT) < 1e-9 && bp.t > 0, `t ${bp.t} is the slider's ${shownT}`);
    assert.equal(operations.slice(before).filter((o) => o === 'PluginInterpolate').length, 1);
    const blendPng = await canvasImage(page, (await canvas(page))[0].fills[0].imageHash!);
    assert.ok(meanDiff(try2Png, blendPng) > 0.2, 'the blend changed the image');
    await frame.waitForSelector(`#history-list li[data-edit-id="${blend.id}"][aria-current="step"]`);
    assert.equal(await blendSlider.inputValue(), '0', 'the slider is back at 0 (it applies to the new head)');

    // Truncation: the same rule.
    await frame.getByRole('tab', { name: 'Truncation' }).click();
    const psiSlider = frame.locator('#truncation-slider');
    const beforeT = operations.length;
    const psiDrag = await drag(page, psiSlider, 1, 0.4, 3);
    await frame.waitForFunction(
      () => Number(document.getElementById('truncation-preview')?.dataset.count) >= 1,
      undefined,
      { timeout: RENDER_TIMEOUT },
    );
    assert.equal((await editRows(faces.Ada)).length, 4, 'no edit while dragging');
    const psiShown = Number(await psiSlider.inputValue());
    await psiDrag.release();
    await waitPlaced(page, 4);
    rows = await editRows(faces.Ada);
    assert.equal(rows.length, 5, 'exactly one edit');
    assert.equal(rows[4].operation, 'TRUNCATE');
    assert.ok(Math.abs((rows[4].params as { psi: number }).psi - psiShown) < 1e-9);
    assert.ok(psiShown < 1);
    assert.equal(operations.slice(beforeT).filter((o) => o === 'PluginTruncate').length, 1);
    assert.ok(operations.slice(beforeT).includes('PluginPreviewEdit'));
    const truncPng = await canvasImage(page, (await canvas(page))[0].fills[0].imageHash!);
    assert.ok(meanDiff(blendPng, truncPng) > 0.2, 'closer to the average face');

    // History explains itself: each row says what its edit did (Edit.description), and hovering
    // a row shows its image larger.
    const described = await app.gql<{ face: { edits: { edges: { node: { id: string; description: string } }[] } } }>(
      `query($id: ID!) { face(id: $id) { edits(first: 10) { edges { node { id description } } } } }`,
      { id: faces.Ada },
    );
    assert.ok(described.data, JSON.stringify(described.errors));
    for (const { node } of described.data.face.edits.edges) {
      assert.ok(node.description.length > 3);
      await frame.waitForSelector(`#history-list li[data-edit-id="${node.id}"] .op`);
      assert.equal(
        (await frame.textContent(`#history-list li[data-edit-id="${node.id}"] .op`))?.trim(),
        node.description,
      );
    }
    const blendRow = frame.locator(`#history-list li[data-edit-id="${blend.id}"]`);
    await blendRow.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await blendRow.hover();
    // The row's thumbnail is readable (48 px); hovering shows it larger in the history's own
    // preview place, which covers no row.
    const small = (await blendRow.locator('img.thumb').boundingBox())!;
    assert.ok(small.width >= 48, `row thumbnail ${small.width} px`);
    const big = frame.locator(`#history-preview[data-edit-id="${blend.id}"] img`);
    await big.waitFor({ state: 'visible' });
    const box = (await big.boundingBox())!;
    assert.ok(box.width >= small.width * 2, `hover shows it larger (${box.width} vs ${small.width})`);
    const listRows = await frame.locator('#history-list li').all();
    const at = await frame.$$eval(
      '#history-list li',
      (els, id) => els.findIndex((e) => (e as HTMLElement).dataset.editId === id),
      blend.id,
    );
    for (const r of listRows.slice(Math.max(0, at - 1), at + 2)) {
      const b = (await r.boundingBox())!;
      const overlaps = b.y < box.y + box.height && box.y < b.y + b.height;
      assert.ok(
        !overlaps,
        `the hover image covers the hovered row or a neighbour (${JSON.stringify(b)} vs ${JSON.stringify(box)})`,
      );
    }
    await shot(page.locator('iframe'), '22-history-hover');

    // Keyboard: an arrow key on the slider is one small step (0.05 less extreme), one edit; the
    // slider keeps the focus (it is not disabled while the edit runs).
    await frame.getByRole('tab', { name: 'Truncation' }).click();
    await psiSlider.focus();
    await page.keyboard.press('ArrowLeft');
    await waitPlaced(page, 5);
    rows = await editRows(faces.Ada);
    assert.equal(rows.length, 6);
    assert.equal(rows[5].operation, 'TRUNCATE');
    assert.ok(Math.abs((rows[5].params as { psi: number }).psi - 0.95) < 1e-9);
    await frame.waitForSelector(`#history-list li[data-edit-id="${rows[5].id}"][aria-current="step"]`);
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'truncation-slider');

    // Keyboard: the tool tabs move with the arrow keys.
    await frame.getByRole('tab', { name: 'Truncation' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'tool-tab-parts');
    assert.equal(await frame.getAttribute('#tool-tab-parts', 'aria-selected'), 'true');

    assert.equal(await placedCount(page), 5);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('parts one by one with their depth maps, placed on the canvas as a strip of frames (dark theme)', async () => {
    const { page, frame, problems } = await openPlugin('dark');
    // Figma's dark theme colours reach the tools (--figma-color-* from the host).
    const tabColour = await frame.evaluate(() => getComputedStyle(document.getElementById('tool-tab-parts')!).color);
    assert.equal(tabColour, 'rgba(255, 255, 255, 0.7)', '--figma-color-text-secondary of the dark theme');
    await frame.click(`[data-face-id="${faces.Grace}"]`);
    await frame.waitForSelector(`[data-face-id="${faces.Grace}"][aria-pressed="true"]`);
    await frame.getByRole('tab', { name: 'Parts' }).click();
    await frame.getByRole('button', { name: 'Show parts one by one' }).click();
    const n = components.length;
    await frame.waitForFunction((want) => document.querySelectorAll('#parts-strip li').length === want, n, {
      timeout: RENDER_TIMEOUT,
    });
    await frame.waitForSelector('#parts-place-btn:not([disabled])');

    // The database: one composition job per step, each keeping one more component, in order.
    const head = await headOf(faces.Grace);
    const jobs = await app.ctx.prisma.inferenceJob.findMany({
      where: { faceId: faces.Grace, kind: 'RENDER_COMPOSITION' },
      orderBy: { createdAt: 'asc' },
    });
    assert.equal(jobs.length, n);
    const kept = jobs
      .map((j) => (j.options as { componentNames: string[] }).componentNames)
      .sort((a, b) => a.length - b.length);
    assert.equal(kept[0][0], 'background', 'the background comes first');
    for (let i = 0; i < n; i++) {
      assert.equal(kept[i].length, i + 1);
      if (i) assert.deepEqual(kept[i].slice(0, i), kept[i - 1]);
      assert.equal(jobs[i].editId, head.id);
    }
    // The images: each step adds something; all parts together are the face itself.
    const stepIds = await frame.$$eval('#parts-strip li', (els) =>
      els.map((e) => (e as HTMLElement).dataset.renderId!),
    );
    const steps = await Promise.all(stepIds.map(renderBytes));
    for (let i = 1; i < n; i++) assert.ok(meanDiff(steps[i - 1], steps[i]) > 0, `step ${i + 1} adds a part`);
    assert.ok(meanDiff(steps[n - 1], await renderBytes(head.renderId!)) < 1, 'every part: the full face');
    await frame.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#parts-strip img')).every((i) =>
          (i as HTMLImageElement).src.startsWith('blob:'),
        ),
      undefined,
      { timeout: RENDER_TIMEOUT },
    );
    await shot(page.locator('iframe'), '23-parts');

    // Placed as a strip: one container, a frame per step and the added part's depth map under it.
    await frame.getByRole('button', { name: 'Place strip on canvas' }).click();
    await page.waitForFunction(() => (window as any).__fake.log.toUi.some((m: any) => m.type === 'strip-placed'));
    const [strip] = await canvas(page);
    assert.equal(strip.name, 'Grace · part by part');
    assert.equal(strip.pluginData.compositionOf, faces.Grace);
    assert.equal(strip.pluginData.editId, head.id);
    assert.equal(strip.pluginData.faceId, undefined, 'later edits never overwrite the strip');
    const names = strip.children.map((c) => c.name);
    assert.equal(names.filter((x) => !x.startsWith('Depth')).length, n);
    assert.equal(names[0], '1 · background');
    assert.ok(names.includes(`Depth · ${kept[n - 1][n - 1]}`), names.join(', '));
    assert.ok(strip.children.every((c) => c.fills[0] === 'IMAGE'));
    // The first frame's fill is the background-only render, byte for byte.
    const fill = await page.evaluate(() => (window as any).__fake.page.children[0].children[0].fills[0].imageHash);
    sameBytes(await canvasImage(page, fill), steps[0], 'the first frame is the background-only render');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('exports the latent as .npy, imports it as a new face that looks the same, compares two edits', async () => {
    const { page, frame, problems } = await openPlugin();
    await frame.click(`[data-face-id="${faces.Ada}"]`);
    await frame.waitForSelector(`[data-face-id="${faces.Ada}"][aria-pressed="true"]`);
    await frame.waitForSelector('#history-list li[aria-current="step"]');
    await frame.getByRole('tab', { name: 'File' }).click();
    const head = await headOf(faces.Ada);

    // Export: a download of the head's latent, the same bytes the server serves.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      frame.getByRole('button', { name: /Export Ada's latent/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'Ada.npy');
    const file = path.join(ARTIFACTS, 'Ada.npy');
    await mkdir(ARTIFACTS, { recursive: true });
    await download.saveAs(file);
    const npy = new Uint8Array(await readFile(file));
    const served = await app.gql<{ edit: { latentNpyBase64: string } }>(
      `query($id: ID!) { edit(id: $id) { latentNpyBase64 } }`,
      { id: head.id },
    );
    sameBytes(npy, Buffer.from(served.data!.edit.latentNpyBase64, 'base64'), 'the download is the served latent');
    assert.equal(Buffer.from(npy.subarray(1, 6)).toString(), 'NUMPY');

    // Import it back as "Ada copy": a new face whose root is IMPORT, rendered like Ada's head.
    await copyFile(file, path.join(ARTIFACTS, 'Ada copy.npy'));
    await frame.setInputFiles('#import-npy', path.join(ARTIFACTS, 'Ada copy.npy'));
    await waitPlaced(page, 1);
    const copy = await app.ctx.prisma.face.findFirstOrThrow({ where: { projectId, name: 'Ada copy' } });
    const copyRows = await editRows(copy.id);
    assert.equal(copyRows.length, 1);
    assert.equal(copyRows[0].operation, 'IMPORT');
    sameBytes(copyRows[0].latent, head.latent, 'the same latent');
    const [node] = await canvas(page);
    assert.equal(node.pluginData.faceId, copy.id);
    const copyPng = await canvasImage(page, node.fills[0].imageHash!);
    assert.ok(meanDiff(copyPng, await renderBytes(head.renderId!)) < 0.5, 'the import looks like what was exported');
    await frame.waitForSelector(`[data-face-id="${copy.id}"][aria-pressed="true"]`);
    await shot(page.locator('iframe'), '24-imported');

    // A file that is not a latent: the server's reason in the banner, no face made.
    const facesBefore = await app.ctx.prisma.face.count({ where: { projectId } });
    await frame.setInputFiles('#import-npy', {
      name: 'broken.npy',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not a numpy file'),
    });
    await frame.waitForSelector('#banner:not([hidden])');
    assert.match((await frame.textContent('#banner-text')) ?? '', /^Couldn't import broken\.npy: .*npy/);
    assert.equal(await app.ctx.prisma.face.count({ where: { projectId } }), facesBefore);
    assert.equal(await placedCount(page), 1, 'nothing placed');
    await shot(page.locator('iframe'), '24b-import-refused');
    await frame.getByRole('button', { name: 'Dismiss', exact: true }).click();

    // Compare two edits of Ada side by side: the root and the head, different images.
    await frame.click(`[data-face-id="${faces.Ada}"]`);
    await frame.waitForSelector(`#history-list li[data-edit-id="${head.id}"]`);
    await frame.getByRole('tab', { name: 'Compare' }).click();
    const root = (await editRows(faces.Ada))[0];
    await frame.selectOption('#compare-a', `edit:${root.id}`);
    await frame.selectOption('#compare-b', `edit:${head.id}`);
    const shown = await frame.$$eval('#compare-view .compare-image img', (els) =>
      els.map((e) => (e as HTMLImageElement).dataset.renderId),
    );
    assert.deepEqual(shown, [root.renderId, head.renderId]);
    assert.ok(meanDiff(await renderBytes(root.renderId!), await renderBytes(head.renderId!)) > 1);
    // Two faces: Ada and the copy look the same.
    await frame.selectOption('#compare-a', `face:${faces.Ada}`);
    await frame.selectOption('#compare-b', `face:${copy.id}`);
    await frame.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#compare-view .compare-image img')).every((i) =>
          (i as HTMLImageElement).src.startsWith('blob:'),
        ),
      undefined,
      { timeout: RENDER_TIMEOUT },
    );
    await shot(page.locator('iframe'), '25-compare');

    // The README's screenshot: the whole panel with the blend tool open, a slider per ticked part.
    for (const c of components.filter((x) => x !== 'background').slice(0, 3)) {
      await frame.check(`#component-list input[value="${c}"]`);
    }
    await frame.getByRole('tab', { name: 'Blend' }).click();
    assert.equal(await frame.locator('#blend-sliders input[type="range"]').count(), 3);
    const fullHeight = await frame.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 420, height: fullHeight + 100 });
    await page.evaluate((h) => document.querySelector('iframe')!.setAttribute('height', String(h)), fullHeight);
    await frame.waitForTimeout(300);
    const full = await shot(page.locator('iframe'), '26-full-panel-tools');
    if (process.env.SSG_UPDATE_DOCS_SCREENSHOT === '1') await copyFile(full, DOCS_SCREENSHOT);
    const overflow = await frame.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the UI overflows horizontally by ${overflow}px`);
    assert.deepEqual(problems, []);
    await page.close();
  });
  it("imports a designer's picture as a face: the server inverts it, the face lands on the canvas", async () => {
    // A held-out cartoon face (dataset seed 7; the model trained on seed 1), drawn at 128 px.
    const sample = renderSample(sampleSeed(7, 0), 128);
    const png = new PNG({ width: 128, height: 128 });
    for (let i = 0; i < 128 * 128; i++) {
      png.data.set([sample.rgb[i * 3]!, sample.rgb[i * 3 + 1]!, sample.rgb[i * 3 + 2]!, 255], i * 4);
    }
    const picture = PNG.sync.write(png);
    const own = await app.gql<{ createProject: { id: string } }>(
      `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { name: 'Own pictures', modelId: trainedModelId } },
    );
    assert.ok(own.data, JSON.stringify(own.errors));
    const ownId = own.data.createProject.id;
    const { page, frame, problems, operations } = await openPlugin();
    await frame.selectOption('#project-select', ownId);
    await frame.getByRole('tab', { name: 'File' }).click();
    // Which progress lines show while it imports: the File tab's own, where it was started.
    await frame.evaluate(() => {
      const w = window as unknown as { __progressSeen: string[] };
      w.__progressSeen = [];
      new MutationObserver(() => {
        for (const id of ['progress', 'tool-progress']) {
          const el = document.getElementById(id);
          if (el && !el.hidden && !w.__progressSeen.includes(id)) w.__progressSeen.push(id);
        }
      }).observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
    });
    await frame.setInputFiles('#import-image', { name: 'My sketch.png', mimeType: 'image/png', buffer: picture });
    await waitPlaced(page, 1);
    assert.deepEqual(await frame.evaluate(() => (window as any).__progressSeen), ['tool-progress']);
    assert.equal(await frame.locator('#banner:not([hidden])').count(), 0, "a face like the model's: no warning");
    const face = await app.ctx.prisma.face.findFirstOrThrow({ where: { projectId: ownId, name: 'My sketch' } });
    assert.equal(face.status, 'READY');
    const rows = await editRows(face.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].operation, 'INVERT');
    const [node] = await canvas(page);
    assert.equal(node.pluginData.faceId, face.id);
    const placed = await canvasImage(page, node.fills[0].imageHash!);
    sameBytes(placed, await renderBytes(rows[0].renderId!), 'the canvas shows the inverted face');
    // The inversion looks like the picture (downsized to the model's 64 px): far closer than w_avg.
    const target = renderSample(sampleSeed(7, 0), 64).rgb;
    const got = pixels(placed);
    let se = 0;
    for (let i = 0; i < 64 * 64; i++)
      for (let c = 0; c < 3; c++) se += (got.data[i * 4 + c]! - target[i * 3 + c]!) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / (se / (64 * 64 * 3)));
    assert.ok(psnr > 14, `PSNR of the inversion ${psnr.toFixed(2)} dB`);
    await shot(page.locator('iframe'), '27-image-imported');

    // Not a picture: the server's reason in the banner, no face made, nothing placed.
    const before = await app.ctx.prisma.face.count({ where: { projectId: ownId } });
    await frame.setInputFiles('#import-image', {
      name: 'notes.png',
      mimeType: 'image/png',
      buffer: Buffer.from('hello'),
    });
    await frame.waitForSelector('#banner:not([hidden])');
    assert.match((await frame.textContent('#banner-text')) ?? '', /^Couldn't import notes\.png: /);
    assert.equal(await app.ctx.prisma.face.count({ where: { projectId: ownId } }), before);
    assert.equal(await placedCount(page), 1, 'nothing more placed');

    // Over the server's 8 MiB: refused here, before any upload, in words.
    await frame.getByRole('button', { name: 'Dismiss', exact: true }).click();
    const sent = operations.length;
    await frame.setInputFiles('#import-image', {
      name: 'Huge scan.png',
      mimeType: 'image/png',
      buffer: Buffer.alloc(9 * 1024 * 1024, 7),
    });
    await frame.waitForSelector('#banner:not([hidden])');
    assert.match(
      (await frame.textContent('#banner-text')) ?? '',
      /^Huge scan\.png is 9\.0 MB; the server takes pictures up to 8\.0 MB\. Export it smaller/,
    );
    assert.deepEqual(operations.slice(sent), [], 'nothing sent');
    assert.equal(await app.ctx.prisma.face.count({ where: { projectId: ownId } }), before);

    // A flat grey picture is nothing like the model's faces: imported, with a warning that says so.
    await frame.getByRole('button', { name: 'Dismiss', exact: true }).click();
    await frame.setInputFiles('#import-image', {
      name: 'Grey.png',
      mimeType: 'image/png',
      buffer: Buffer.from(makePng(128, 128, [128, 128, 128])),
    });
    await waitPlaced(page, 2);
    await frame.waitForSelector('#banner.warning:not([hidden])');
    assert.match(
      (await frame.textContent('#banner-text')) ?? '',
      /^Grey is not much like the faces this model makes \(reconstruction 1\d\.\d dB/,
    );
    await shot(page.locator('iframe'), '28-image-unlike-warning');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
