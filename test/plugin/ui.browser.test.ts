// The built plugin UI (dist/ui.html) in headless Chromium against a real ssg-studio server on a
// fresh database. A harness page plays Figma: it runs the built dist/code.js against the fake
// figma global and shows the UI in a sandboxed iframe (origin "null", like Figma's), so the
// whole plugin runs end to end: connect, create a project and faces, swap, see the image land
// on the (fake) canvas, update in place, undo, revert, branches, reopen from the selection and
// the errors a designer can act on. Screenshots go to test-artifacts/plugin/.
//
// Needs Chromium at /usr/bin/chromium (Debian package `chromium`); fails without it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { freePort } from '../../src/db/database.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PROJECT_ROOT, startHarness, type Harness, webSocketRefusingProxy } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'plugin');
// Set SSG_UPDATE_DOCS_SCREENSHOT=1 to refresh the README's screenshot from this run.
const DOCS_SCREENSHOT = path.join(PROJECT_ROOT, 'docs', 'plugin-screenshot.png');
const RENDER_TIMEOUT = 90_000;

let app: TestApp;
let browser: Browser;
let harness: Harness | undefined;
let harnessUrl = '';

async function openPlugin(opts: { theme?: 'light' | 'dark'; clientStorage?: Record<string, unknown> } = {}) {
  const page = await browser.newPage({ viewport: { width: 420, height: 640 }, deviceScaleFactor: 2 });
  const problems: string[] = [];
  // WebSockets of the page and its frames (the UI's subscriptions), with the frames they carried.
  const sockets: { url: string; received: string[]; sent: string[] }[] = [];
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), received: [] as string[], sent: [] as string[] };
    sockets.push(s);
    ws.on('framereceived', (f) => s.received.push(String(f.payload)));
    ws.on('framesent', (f) => s.sent.push(String(f.payload)));
  });
  // Names of the GraphQL operations the UI sent over HTTP.
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
  if (process.env.PLUGIN_DEBUG) {
    page.on('console', (m) => console.error(`[browser ${m.type()}] ${m.text()}`));
    page.on('requestfailed', (r) =>
      console.error(`[request failed] ${r.method()} ${r.url()} ${r.failure()?.errorText}`),
    );
    page.on('response', (r) => console.error(`[response] ${r.status()} ${r.request().method()} ${r.url()}`));
  }
  await page.addInitScript((storage) => {
    (window as unknown as { __initialClientStorage: unknown }).__initialClientStorage = storage;
  }, opts.clientStorage ?? {});
  await page.goto(`${harnessUrl}/harness.html?theme=${opts.theme ?? 'light'}`);
  await page.waitForFunction(() => (window as unknown as { __harnessReady?: boolean }).__harnessReady === true);
  const frame = await waitForUiFrame(page);
  return { page, frame, problems, sockets, operations };
}

async function waitForUiFrame(page: Page): Promise<Frame> {
  const el = await page.waitForSelector('iframe');
  const frame = await el.contentFrame();
  assert.ok(frame, 'the UI iframe has a frame');
  await frame.waitForSelector('#connect-form', { state: 'attached' });
  return frame;
}

interface CanvasNode {
  id: string;
  type: string;
  name: string;
  width: number;
  height: number;
  fills: { type: string; imageHash: string | null }[];
  pluginData: Record<string, string>;
  children: { name: string; overlay: string; fills: string[] }[];
}
const canvas = (page: Page) => page.evaluate(() => (window as any).__canvas() as CanvasNode[]);
const fromUi = (page: Page) => page.evaluate(() => (window as any).__fromUi as any[]);
const toUi = (page: Page) => page.evaluate(() => (window as any).__fake.log.toUi as any[]);

async function shot(target: Page | Frame | import('playwright-core').Locator, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  if ('screenshot' in target) await target.screenshot({ path: file });
  return file;
}

async function connect(frame: Frame, url: string, token: string) {
  await frame.getByLabel('Server URL').fill(url);
  await frame.getByLabel('API token').fill(token);
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
}

async function headEditId(faceId: string): Promise<string> {
  const r = await app.gql<{ face: { head: { id: string } } }>(`query($id: ID!) { face(id: $id) { head { id } } }`, {
    id: faceId,
  });
  assert.ok(r.data, JSON.stringify(r.errors));
  return r.data.face.head.id;
}

describe('figma plugin UI against a real server', { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium is missing at ${CHROMIUM}: install Debian's "chromium" package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
    harness = await startHarness();
    harnessUrl = harness.url;
    app = await startTestApp();
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
  });

  it('connect, project, faces, swap onto the canvas, update in place, undo, revert and branches', async () => {
    const { page, frame, problems, sockets, operations } = await openPlugin();
    await shot(page.locator('iframe'), '01-connect');

    // Connect: the settings go to clientStorage through the main thread.
    await connect(frame, app.url, app.token);
    await frame.waitForSelector('#main-view:not([hidden])');
    const saved = (await fromUi(page)).find((m) => m.type === 'save-settings');
    assert.deepEqual(saved?.settings, { serverUrl: app.url, token: app.token });
    assert.match((await frame.textContent('#conn-status')) ?? '', /127\.0\.0\.1/);

    // No project yet: the form is open; create one with the demo model.
    await frame.waitForSelector('#new-project-form:not([hidden])');
    await frame.getByLabel('Name', { exact: true }).first().fill('Campaign');
    await frame.getByRole('button', { name: 'Create project', exact: true }).click();

    // Two faces from seeds, through the UI.
    for (const [name, seed] of [
      ['Ada', '11'],
      ['Grace', '22'],
    ]) {
      await frame.waitForSelector('#new-face-form:not([hidden])').catch(async () => {
        await frame.getByRole('button', { name: 'New face', exact: true }).click();
      });
      await frame.fill('#new-face-name', name);
      await frame.fill('#new-face-seed', seed);
      await frame.getByRole('button', { name: 'Create face', exact: true }).click();
      await frame.waitForSelector(`#face-grid .tile:has-text("${name}")`);
      if (name === 'Ada') await frame.getByRole('button', { name: 'New face', exact: true }).click();
    }
    // Thumbnails arrive (fetched with the token, shown as blob: URLs).
    await frame.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#face-grid img.thumb')).filter((i) =>
          (i as HTMLImageElement).src.startsWith('blob:'),
        ).length === 2,
      undefined,
      { timeout: RENDER_TIMEOUT },
    );
    const projects = await app.gql<{
      projects: { edges: { node: { id: string; faces: { edges: { node: { id: string; name: string } }[] } } }[] };
    }>(`{ projects(first: 5) { edges { node { id faces(first: 5) { edges { node { id name } } } } } } }`);
    assert.ok(projects.data, JSON.stringify(projects.errors));
    const faces = Object.fromEntries(
      projects.data.projects.edges[0].node.faces.edges.map((e) => [e.node.name, e.node.id]),
    );
    assert.ok(faces.Ada && faces.Grace);

    // Target Ada (first face), source Grace; tick components from the model.
    assert.equal(await frame.getAttribute(`[data-face-id="${faces.Ada}"]`, 'aria-pressed'), 'true');
    assert.equal(await frame.inputValue('#source-select'), faces.Grace);
    const models = await app.gql<{ models: { components: { name: string }[] }[] }>(
      `{ models { components { name } } }`,
    );
    const componentNames = models.data!.models[0].components.map((c) => c.name);
    const chipValues = await frame.$$eval('#component-list input', (els) =>
      els.map((e) => (e as HTMLInputElement).value),
    );
    assert.deepEqual(chipValues, ['coarse', ...componentNames], 'components come from the model, plus coarse');
    const [c1, c2] = componentNames.filter((n) => n !== 'background');
    await frame.check(`#component-list input[value="${c1}"]`);
    await frame.getByLabel('Segmentation mask').check();
    await frame.check('#part-group input[value="BOTH"]');
    const targetRenderBefore = await frame.getAttribute('#target-card img', 'data-render-id');

    // Swap: progress shows, the image lands on the canvas as a frame with an image fill.
    await frame.getByRole('button', { name: 'Swap', exact: true }).click();
    await page.waitForFunction(() => (window as any).__fake.log.toUi.some((m: any) => m.type === 'placed'), undefined, {
      timeout: RENDER_TIMEOUT,
    });
    let nodes = await canvas(page);
    assert.equal(nodes.length, 1);
    const node = nodes[0];
    assert.equal(node.type, 'FRAME');
    assert.equal(node.name, 'Ada');
    assert.equal(node.fills[0].type, 'IMAGE');
    assert.deepEqual(
      await page.evaluate((h) => (window as any).__imageHead(h), node.fills[0].imageHash),
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      'the fill is a PNG from the server',
    );
    const swap1 = await headEditId(faces.Ada);
    assert.deepEqual(node.pluginData, {
      faceId: faces.Ada,
      editId: swap1,
      serverUrl: app.url,
      projectId: projects.data.projects.edges[0].node.id,
      faceName: 'Ada',
    });
    assert.deepEqual(
      node.children.map((c) => [c.name, c.overlay, c.fills[0]]),
      [['Segmentation', 'segmentation', 'IMAGE']],
    );
    const placeMsg = (await fromUi(page)).find((m) => m.type === 'place-result');
    assert.equal(placeMsg.targetNodeId, null, 'first result: a new node');

    // The UI shows the new render and the swap at the top of the history, as the current edit.
    await frame.waitForFunction((before) => {
      const img = document.querySelector('#target-card img') as HTMLImageElement | null;
      return !!img && img.dataset.renderId !== before && img.src.startsWith('blob:');
    }, targetRenderBefore);
    await frame.waitForSelector(`#history-list li[data-edit-id="${swap1}"][aria-current="step"]`);
    assert.equal(await frame.getAttribute('#history-list li:first-child', 'data-operation'), 'SWAP');
    await frame.waitForSelector('#progress', { state: 'hidden' });
    await shot(page.locator('iframe'), '02-after-swap');

    // The swap's progress came over the graphql-ws subscription, not by polling job(id).
    assert.equal(await frame.getAttribute('#progress', 'data-via'), 'websocket');
    const wsUrl = `${app.url.replace(/^http/, 'ws')}/graphql`;
    const socket = sockets.find((s) => s.url === wsUrl);
    assert.ok(socket, `the UI opened a WebSocket to ${wsUrl} (saw ${sockets.map((s) => s.url).join(', ') || 'none'})`);
    const sent = socket.sent.map((f) => JSON.parse(f) as { type: string; payload?: any });
    assert.deepEqual(sent[0], { type: 'connection_init', payload: { authorization: `Bearer ${app.token}` } });
    assert.ok(
      sent.some((m) => m.type === 'subscribe' && /jobUpdated/.test(m.payload.query)),
      'subscribed to jobUpdated',
    );
    const updates = socket.received
      .map((f) => JSON.parse(f) as { type: string; payload?: any })
      .filter((m) => m.type === 'next' && m.payload?.data?.jobUpdated)
      .map((m) => m.payload.data.jobUpdated.status as string);
    assert.ok(updates.includes('SUCCEEDED'), `job updates over the WebSocket: ${updates.join(', ')}`);
    assert.ok(!operations.includes('PluginJob'), `no job(id) polling: ${operations.join(', ')}`);

    // Second swap with the node selected (it was selected on placement): updated in place.
    await frame.getByLabel('Segmentation mask').uncheck();
    await frame.getByLabel('Depth of ticked components').check();
    await frame.check(`#component-list input[value="${c2}"]`);
    await frame.check('#part-group input[value="TEXTURE"]');
    await frame.waitForFunction(() => !(document.getElementById('swap-btn') as HTMLButtonElement).disabled);
    await frame.getByRole('button', { name: 'Swap', exact: true }).click();
    await page.waitForFunction(
      () => (window as any).__fake.log.toUi.filter((m: any) => m.type === 'placed').length === 2,
      undefined,
      {
        timeout: RENDER_TIMEOUT,
      },
    );
    const swap2 = await headEditId(faces.Ada);
    assert.notEqual(swap2, swap1);
    nodes = await canvas(page);
    assert.equal(nodes.length, 1, 'no second node');
    assert.equal(nodes[0].id, node.id, 'same node');
    assert.equal(nodes[0].pluginData.editId, swap2, 'new edit id');
    const placed2 = (await toUi(page)).filter((m) => m.type === 'placed')[1];
    assert.equal(placed2.updated, true);
    // The stale segmentation layer is gone; depth layers of the ticked components replace it.
    assert.deepEqual(
      nodes[0].children.map((c) => [c.name, c.overlay, c.fills[0]]),
      [
        [`Depth · ${c1}`, `depth:${c1}`, 'IMAGE'],
        [`Depth · ${c2}`, `depth:${c2}`, 'IMAGE'],
      ],
    );
    await frame.getByLabel('Depth of ticked components').uncheck();
    await frame.waitForSelector(`#history-list li[data-edit-id="${swap2}"][aria-current="step"]`);

    // Undo: the head moves back; the history shows it; the selected node follows.
    await frame.waitForFunction(() => !(document.getElementById('undo-btn') as HTMLButtonElement).disabled);
    await frame.getByRole('button', { name: 'Undo', exact: true }).click();
    await frame.waitForSelector(`#history-list li[data-edit-id="${swap1}"][aria-current="step"]`);
    assert.equal(await headEditId(faces.Ada), swap1);
    assert.match((await frame.getAttribute(`#history-list li[data-edit-id="${swap2}"]`, 'class')) ?? '', /redo/);
    await page.waitForFunction((id) => (window as any).__canvas()[0].pluginData.editId === id, swap1);
    await shot(page.locator('iframe'), '03-after-undo');

    // Redo, then revert to the root edit and swap again: a branch.
    await frame.getByRole('button', { name: 'Redo', exact: true }).click();
    await frame.waitForSelector(`#history-list li[data-edit-id="${swap2}"][aria-current="step"]`);
    const rootRow = frame.locator('#history-list li[data-operation="SAMPLE"]');
    await rootRow.getByRole('button', { name: /Revert to/ }).click();
    await frame.waitForSelector('#history-list li[data-operation="SAMPLE"][aria-current="step"]');
    await frame.waitForFunction(() => !(document.getElementById('swap-btn') as HTMLButtonElement).disabled);
    await frame.getByRole('button', { name: 'Swap', exact: true }).click();
    await frame.waitForSelector('#history-list .branch', { timeout: RENDER_TIMEOUT });
    assert.match((await frame.textContent('#history-list .branch')) ?? '', /2 branches/);
    assert.ok((await frame.locator('#history-list li.off').count()) >= 1, 'edits of the other branch are marked');
    await frame.waitForSelector('#progress', { state: 'hidden', timeout: RENDER_TIMEOUT });
    await shot(page.locator('iframe'), '04-branches');

    // Selecting the node on the canvas reopens its face: pick Grace, then select Ada's node.
    await frame.click(`[data-face-id="${faces.Grace}"]`);
    await frame.waitForSelector(`[data-face-id="${faces.Grace}"][aria-pressed="true"]`);
    // A click on a tile asks the main thread to select that face's frame (if the canvas has one).
    assert.deepEqual((await fromUi(page)).filter((m) => m.type === 'select-face').at(-1), {
      type: 'select-face',
      faceId: faces.Grace,
      serverUrl: app.url,
    });
    await page.evaluate(() => (window as any).__select(null));
    await page.evaluate((id) => (window as any).__select(id), node.id);
    await frame.waitForSelector(`[data-face-id="${faces.Ada}"][aria-pressed="true"]`);
    await frame.waitForFunction(() =>
      /updated in place/.test(document.getElementById('linked-note')?.textContent ?? ''),
    );

    // A tall screenshot of the whole panel for the README.
    const fullHeight = await frame.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 420, height: fullHeight + 100 });
    await page.evaluate((h) => document.querySelector('iframe')!.setAttribute('height', String(h)), fullHeight);
    await frame.waitForTimeout(300);
    const full = await shot(page.locator('iframe'), '05-full-panel');
    await page.evaluate(() => document.querySelector('iframe')!.setAttribute('height', '560'));
    await page.setViewportSize({ width: 420, height: 640 });
    await shot(page.locator('iframe'), '06-default-size');
    if (process.env.SSG_UPDATE_DOCS_SCREENSHOT === '1') await copyFile(full, DOCS_SCREENSHOT);

    // Nothing overflows horizontally at the default 360 px width.
    const overflow = await frame.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the UI overflows horizontally by ${overflow}px`);

    // Conflict: another designer undoes Ada while this UI still shows the old head.
    await frame.check(`#component-list input[value="${c1}"]`);
    const other = await app.gql(`mutation($id: ID!) { undo(faceId: $id) { id } }`, { id: faces.Ada });
    assert.ok(!other.errors, JSON.stringify(other.errors));
    await frame.getByRole('button', { name: 'Swap', exact: true }).click();
    await frame.waitForSelector('#banner:not([hidden])');
    assert.match((await frame.textContent('#banner-text')) ?? '', /changed by someone else/);
    await shot(page.locator('iframe'), '07-conflict');
    await frame.getByRole('button', { name: 'Reload face', exact: true }).click();
    await frame.waitForSelector('#banner', { state: 'hidden' });
    const headNow = await headEditId(faces.Ada);
    await frame.waitForSelector(`#history-list li[data-edit-id="${headNow}"][aria-current="step"]`);

    assert.deepEqual(problems, []);
    await page.close();
  });

  it('remembers the connection and reconnects on the next launch, in the dark theme', async () => {
    const { page, frame, problems } = await openPlugin({
      theme: 'dark',
      clientStorage: { 'ssg-studio.settings': { serverUrl: app.url, token: app.token } },
    });
    await frame.waitForSelector('#main-view:not([hidden])');
    await frame.waitForFunction(() => document.querySelectorAll('#face-grid .tile').length >= 2);
    assert.equal(await frame.evaluate(() => document.documentElement.className), 'figma-dark');
    const bg = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(44, 44, 44)', 'dark theme colours from --figma-color-bg');
    await frame.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('#face-grid img.thumb')).every((i) =>
          (i as HTMLImageElement).src.startsWith('blob:'),
        ),
      undefined,
      { timeout: RENDER_TIMEOUT },
    );
    await shot(page.locator('iframe'), '08-dark');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('shows older edits page by page, keyboard-reachable, with branch markers right across pages', async () => {
    // A face with 61 edits: created, then 60 truncation changes (cheap renders), through the API.
    const projects = await app.gql<{ projects: { edges: { node: { id: string } }[] } }>(
      `{ projects(first: 1) { edges { node { id } } } }`,
    );
    const projectId = projects.data!.projects.edges[0].node.id;
    const created = await app.gql<{ createFace: { face: { id: string }; edit: { id: string } } }>(
      `mutation($input: CreateFaceInput!) { createFace(input: $input) { face { id } edit { id } } }`,
      { input: { projectId, name: 'Long history', seed: 33 } },
    );
    assert.ok(created.data, JSON.stringify(created.errors));
    const faceId = created.data.createFace.face.id;
    const rootId = created.data.createFace.edit.id;
    const truncations: string[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await app.gql<{ setTruncation: { edit: { id: string } } }>(
        `mutation($input: SetTruncationInput!) { setTruncation(input: $input) { edit { id } } }`,
        { input: { faceId, psi: 0.5 + (i % 10) * 0.05 } },
      );
      assert.ok(r.data, JSON.stringify(r.errors));
      truncations.push(r.data.setTruncation.edit.id);
    }
    const rows = (frame: Frame) => frame.locator('#history-list li').count();
    const row = (id: string) => `#history-list li[data-edit-id="${id}"]`;

    const { page, frame, problems } = await openPlugin({
      clientStorage: { 'ssg-studio.settings': { serverUrl: app.url, token: app.token } },
    });
    await frame.waitForSelector('#main-view:not([hidden])');
    await frame.click(`[data-face-id="${faceId}"]`);
    await frame.waitForSelector(`${row(truncations[59])}[aria-current="step"]`);

    // First page: the newest 50 edits, and the button for the rest.
    assert.equal(await rows(frame), 50);
    assert.equal(await frame.locator(row(rootId)).count(), 0);
    await frame.waitForSelector('#history-more:not([hidden])');
    assert.doesNotMatch((await frame.textContent('#history-list')) ?? '', /not shown/);

    // Keyboard: Tab from the last row's Revert button reaches "Show older edits"; Enter loads the
    // next page, and focus moves to the first older edit.
    await frame.locator('#history-list li:last-child button').focus();
    await page.keyboard.press('Tab');
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'history-more');
    assert.equal(await frame.textContent('#history-more'), 'Show older edits');
    await page.keyboard.press('Enter');
    await frame.waitForSelector(row(rootId));
    assert.equal(await rows(frame), 61);
    assert.equal(
      await frame.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.editId),
      truncations[9],
    );
    await frame.waitForSelector('#history-more', { state: 'hidden' });
    assert.equal(await frame.locator('#history-list li.off').count(), 0, 'one straight line, nothing off it');
    assert.equal(await frame.getAttribute(row(rootId), 'data-operation'), 'SAMPLE');
    await shot(page.locator('iframe'), '11-older-edits');

    // Revert to the root (on the older page): the shown pages stay, the whole line is the redo path.
    await frame
      .locator(row(rootId))
      .getByRole('button', { name: /Revert to/ })
      .click();
    await frame.waitForSelector(`${row(rootId)}[aria-current="step"]`);
    assert.equal(await rows(frame), 61);
    assert.equal(await frame.locator('#history-list li.redo').count(), 60);

    // Someone else branches off the root. Reopened, the face shows its first page: the new head,
    // and the old line's newest edits marked as another branch.
    const branch = await app.gql<{ setTruncation: { edit: { id: string } } }>(
      `mutation($input: SetTruncationInput!) { setTruncation(input: $input) { edit { id } } }`,
      { input: { faceId, psi: 1.1, expectedHeadId: rootId } },
    );
    assert.ok(branch.data, JSON.stringify(branch.errors));
    const branchId = branch.data.setTruncation.edit.id;
    const other = await frame.locator('#face-grid .tile').filter({ hasNotText: 'Long history' }).first();
    await other.click();
    await frame.waitForSelector(`[data-face-id="${faceId}"][aria-pressed="false"]`);
    await frame.click(`[data-face-id="${faceId}"]`);
    await frame.waitForSelector(`${row(branchId)}[aria-current="step"]`);
    assert.equal(await rows(frame), 50);
    assert.equal(await frame.locator('#history-list li.off').count(), 49);
    // The older page brings the branch point: the root is on the current line, with 2 branches.
    await frame.getByRole('button', { name: 'Show older edits', exact: true }).click();
    await frame.waitForSelector(row(rootId));
    assert.equal(await rows(frame), 62);
    assert.equal(await frame.getAttribute(row(rootId), 'class'), '');
    assert.match((await frame.locator(`${row(rootId)} .branch`).textContent()) ?? '', /2 branches/);
    assert.equal(await frame.locator('#history-list li.off').count(), 60, 'the whole old line is another branch');
    assert.match((await frame.locator(`${row(truncations[0])} .time`).textContent()) ?? '', /other branch/);
    await frame.locator(row(rootId)).scrollIntoViewIfNeeded();
    await shot(page.locator('iframe'), '12-branch-across-pages');

    assert.deepEqual(problems, []);
    await page.close();
  });

  it('polls for progress when the network refuses WebSockets', async (t) => {
    // A network that refuses WebSockets: the server reached through a proxy that drops upgrades.
    const proxy = await webSocketRefusingProxy(app.url);
    t.after(() => proxy.close());
    const { page, frame, problems, operations } = await openPlugin({
      clientStorage: { 'ssg-studio.settings': { serverUrl: proxy.url, token: app.token } },
    });
    await frame.waitForSelector('#main-view:not([hidden])');
    await frame.locator('#face-grid .tile').nth(1).click();
    await frame.waitForSelector('#history-list li[aria-current="step"]');
    await frame.locator('#component-list input').nth(1).check();
    await frame.waitForFunction(() => !(document.getElementById('swap-btn') as HTMLButtonElement).disabled);
    await frame.getByRole('button', { name: 'Swap', exact: true }).click();
    await page.waitForFunction(() => (window as any).__fake.log.toUi.some((m: any) => m.type === 'placed'), undefined, {
      timeout: RENDER_TIMEOUT,
    });
    await frame.waitForSelector('#progress', { state: 'hidden' });
    assert.equal(await frame.getAttribute('#progress', 'data-via'), 'polling');
    assert.ok(operations.includes('PluginJob'), `job(id) was polled: ${operations.join(', ')}`);
    assert.equal(await frame.locator('#banner:not([hidden])').count(), 0, 'no error shown');
    assert.deepEqual(
      problems.filter((p) => !/WebSocket/i.test(p)),
      [],
    );
    await page.close();
  });

  it('the status pill says the server is reachable again after a Retry that worked', async () => {
    const { page, frame, problems } = await openPlugin({
      clientStorage: { 'ssg-studio.settings': { serverUrl: app.url, token: app.token } },
    });
    await frame.waitForSelector('#main-view:not([hidden])');
    await frame.waitForSelector('#conn-status.ok');
    const host = (await frame.textContent('#conn-status'))?.trim();
    // The network drops every GraphQL request: opening a face fails with a Retry.
    const drop = (route: import('playwright-core').Route) => route.abort('internetdisconnected');
    await page.route('**/graphql', drop);
    await frame.locator('#face-grid [data-face-id]:not([aria-pressed="true"])').first().click();
    await frame.waitForSelector('#banner:not([hidden])');
    assert.equal((await frame.textContent('#conn-status'))?.trim(), 'Server unreachable');
    // The network is back; Retry works, and the pill says so.
    await page.unroute('**/graphql', drop);
    await frame.getByRole('button', { name: 'Retry', exact: true }).click();
    await frame.waitForSelector('#history-list li[aria-current="step"]');
    await frame.waitForSelector('#conn-status.ok');
    assert.equal((await frame.textContent('#conn-status'))?.trim(), host);
    assert.equal(await frame.locator('#banner:not([hidden])').count(), 0);
    assert.deepEqual(
      problems.filter((p) => !/internet|ERR_/i.test(p)),
      [],
    );
    await page.close();
  });

  it('says what to do when the token is refused or the server is unreachable', async () => {
    const { page, frame } = await openPlugin();
    await connect(frame, app.url, 'ssg_not-a-real-token');
    await frame.waitForSelector('#banner:not([hidden])');
    assert.match((await frame.textContent('#banner-text')) ?? '', /refused your token/);
    assert.match((await frame.textContent('#conn-status')) ?? '', /Token refused/);
    await shot(page.locator('iframe'), '09-token-refused');

    // A port that was free a moment ago: nothing listens there, so the connection is refused.
    await connect(frame, `http://127.0.0.1:${await freePort()}`, app.token);
    await frame
      .waitForFunction(() => /Can't reach the server/.test(document.getElementById('banner-text')?.textContent ?? ''))
      .catch(async (err: Error) => {
        const banner = await frame.textContent('#banner-text');
        const status = await frame.textContent('#conn-status');
        throw new Error(`${err.message}; banner: ${JSON.stringify(banner)}, status: ${JSON.stringify(status)}`);
      });
    assert.equal(await frame.getByRole('button', { name: 'Retry', exact: true }).count(), 1);
    await shot(page.locator('iframe'), '10-unreachable');
    // Nothing was saved for a failed connection.
    assert.equal((await fromUi(page)).filter((m) => m.type === 'save-settings').length, 0);

    // Keyboard: the connect form is reachable with Tab and submits with Enter.
    await frame.focus('#server-url');
    await frame.fill('#server-url', app.url);
    await page.keyboard.press('Tab');
    assert.equal(await frame.evaluate(() => document.activeElement?.id), 'server-token');
    await page.keyboard.type(app.token);
    await page.keyboard.press('Enter');
    await frame.waitForSelector('#main-view:not([hidden])');
    await page.close();
  });
});
