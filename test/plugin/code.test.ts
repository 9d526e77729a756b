// The plugin's main thread (built dist/code.js) against a fake `figma` global.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { createFakeFigma, runPluginCode, type FakeFigma, type FakeNode } from './fake-figma.ts';
import { buildPlugin, makePng } from './helpers.ts';

let code = '';
before(() => {
  code = readFileSync(buildPlugin().codeFile, 'utf8');
});

function start(storage?: Record<string, unknown>): FakeFigma {
  const fake = createFakeFigma({ clientStorage: storage });
  runPluginCode(code, fake, '<html>ui</html>');
  return fake;
}

const SERVER = 'http://localhost:4000';
let req = 0;
function placeMsg(over: Record<string, unknown> = {}) {
  return {
    type: 'place-result',
    requestId: `q${++req}`,
    faceId: 'face-1',
    faceName: 'Ada',
    editId: 'edit-1',
    projectId: 'proj-1',
    serverUrl: SERVER,
    png: makePng(64, 64),
    targetNodeId: null,
    ...over,
  };
}

async function place(fake: FakeFigma, over: Record<string, unknown> = {}) {
  const msg = placeMsg(over);
  const answer = fake.nextToUi((m) => m.requestId === msg.requestId);
  await fake.fromUi(msg);
  return { msg, answer: await answer };
}

function imageHashOf(node: FakeNode): string {
  const fill = node.fills.find((f) => f.type === 'IMAGE');
  assert.ok(fill, `${node.name} has an IMAGE fill`);
  return fill.imageHash as string;
}

describe('figma plugin main thread', () => {
  it('shows the UI with theme colours at the default size', () => {
    const fake = start();
    assert.equal(fake.log.showUI.length, 1);
    assert.equal(fake.log.showUI[0].html, '<html>ui</html>');
    assert.deepEqual(
      { ...fake.log.showUI[0].options, title: undefined },
      { width: 360, height: 560, themeColors: true, title: undefined },
    );
    assert.equal(typeof fake.figma.ui.onmessage, 'function');
  });

  it('answers ui-ready with no settings, then remembers settings in clientStorage', async () => {
    const fake = start();
    await fake.fromUi({ type: 'ui-ready' });
    assert.deepEqual(fake.log.toUi.at(-1), { type: 'init', settings: null, selection: null });

    const settings = { serverUrl: SERVER, token: 'ssg_abc' };
    await fake.fromUi({ type: 'save-settings', settings });
    assert.deepEqual(fake.log.toUi.at(-1), { type: 'settings-saved' });

    // A later session (new plugin run, same user storage) gets them back.
    const again = start(Object.fromEntries([...fake.storage].map(([k, v]) => [k, JSON.parse(v)])));
    await again.fromUi({ type: 'ui-ready' });
    assert.deepEqual(again.log.toUi.at(-1), { type: 'init', settings, selection: null });

    await again.fromUi({ type: 'save-settings', settings: null });
    assert.equal(again.storage.size, 0);
  });

  it('places a result as a new frame with an image fill, a name and plugin data', async () => {
    const fake = start();
    const { msg, answer } = await place(fake);
    assert.equal(answer.type, 'placed');
    assert.equal(answer.updated, false);
    const node = fake.node(answer.node.nodeId)!;
    assert.ok(node, 'the node exists');
    assert.equal(node.type, 'FRAME');
    assert.equal(node.parent, fake.page);
    assert.equal(node.name, 'Ada');
    assert.deepEqual(fake.images.get(imageHashOf(node)), msg.png, 'the fill is the PNG the UI sent');
    assert.equal(node.fills[0].scaleMode, 'FILL');
    assert.equal(node.getPluginData('faceId'), 'face-1');
    assert.equal(node.getPluginData('editId'), 'edit-1');
    assert.equal(node.getPluginData('serverUrl'), SERVER);
    assert.equal(node.getPluginData('projectId'), 'proj-1');
    assert.deepEqual(answer.node, {
      nodeId: node.id,
      name: 'Ada',
      faceId: 'face-1',
      editId: 'edit-1',
      serverUrl: SERVER,
      projectId: 'proj-1',
    });
    // Small renders are scaled up to a usable size, keeping the aspect ratio.
    assert.equal(node.width, 256);
    assert.equal(node.height, 256);
    // Selected and scrolled into view; the UI hears about the selection.
    assert.deepEqual(
      fake.page.selection.map((n: FakeNode) => n.id),
      [node.id],
    );
    assert.deepEqual(fake.log.scrolledTo.at(-1), [node.id]);
    const sel = await fake.nextToUi((m) => m.type === 'selection', 2000, 0);
    assert.equal(sel.node.faceId, 'face-1');
    assert.ok(fake.log.notifications.some((n) => n.message.includes('Ada')));
  });

  it('updates the selected node in place on a second swap', async () => {
    const fake = start();
    const first = await place(fake);
    const node = fake.node(first.answer.node.nodeId)!;
    node.resize(300, 300); // the designer resized it
    node.x = 40;
    const oldHash = imageHashOf(node);
    const childrenBefore = fake.page.children.length;

    const second = await place(fake, {
      editId: 'edit-2',
      faceName: 'Ada',
      png: makePng(64, 64, [10, 200, 30]),
      targetNodeId: node.id,
    });
    assert.equal(second.answer.type, 'placed');
    assert.equal(second.answer.updated, true);
    assert.equal(second.answer.node.nodeId, node.id, 'same node');
    assert.equal(fake.page.children.length, childrenBefore, 'no new node');
    assert.notEqual(imageHashOf(node), oldHash, 'new fill');
    assert.deepEqual(fake.images.get(imageHashOf(node)), second.msg.png);
    assert.equal(node.getPluginData('editId'), 'edit-2');
    assert.equal(second.answer.node.editId, 'edit-2');
    assert.deepEqual([node.width, node.height, node.x], [300, 300, 40], 'keeps the designer’s size and position');
  });

  it('makes a new node when the target node was deleted or is not the plugin’s', async () => {
    const fake = start();
    const first = await place(fake);
    fake.node(first.answer.node.nodeId)!.remove();
    const second = await place(fake, { targetNodeId: first.answer.node.nodeId });
    assert.equal(second.answer.updated, false);
    assert.notEqual(second.answer.node.nodeId, first.answer.node.nodeId);

    const foreign = fake.figma.createFrame();
    const third = await place(fake, { targetNodeId: foreign.id });
    assert.equal(third.answer.updated, false);
    assert.notEqual(third.answer.node.nodeId, foreign.id);
    assert.equal(foreign.getPluginData('faceId'), '');
  });

  it('selecting a plugin node (or a layer inside it) tells the UI to open that face', async () => {
    const fake = start();
    const { answer } = await place(fake, { faceId: 'face-9', editId: 'edit-9', faceName: 'Grace' });
    const node = fake.node(answer.node.nodeId)!;
    const other = fake.figma.createRectangle();

    let since = fake.log.toUi.length;
    fake.select([other]);
    let sel = await fake.nextToUi((m) => m.type === 'selection', 2000, since);
    assert.equal(sel.node, null);

    since = fake.log.toUi.length;
    fake.select([node]);
    sel = await fake.nextToUi((m) => m.type === 'selection', 2000, since);
    assert.deepEqual(sel.node, {
      nodeId: node.id,
      name: 'Grace',
      faceId: 'face-9',
      editId: 'edit-9',
      serverUrl: SERVER,
      projectId: 'proj-1',
    });

    // With the overlay layers placed, selecting one of them still opens the face.
    await place(fake, {
      faceId: 'face-9',
      editId: 'edit-9',
      targetNodeId: node.id,
      layers: [{ key: 'segmentation', name: 'Segmentation', png: makePng(64, 64, [0, 0, 255]), opacity: 0.6 }],
    });
    since = fake.log.toUi.length;
    fake.select([node.children[0]]);
    sel = await fake.nextToUi((m) => m.type === 'selection', 2000, since);
    assert.equal(sel.node.faceId, 'face-9');

    // ui-ready while a plugin node is selected: init carries it (reopen on plugin launch).
    fake.select([node]);
    await fake.fromUi({ type: 'ui-ready' });
    const init = fake.log.toUi.filter((m) => m.type === 'init').at(-1);
    assert.equal(init.selection.faceId, 'face-9');
  });

  it('places overlay layers inside the frame and replaces them on update', async () => {
    const fake = start();
    const layers = [
      { key: 'segmentation', name: 'Segmentation', png: makePng(64, 64, [0, 0, 255]), opacity: 0.6 },
      { key: 'depth:hair', name: 'Depth · hair', png: makePng(64, 64, [90, 90, 90]) },
    ];
    const { answer } = await place(fake, { layers });
    const node = fake.node(answer.node.nodeId)!;
    assert.deepEqual(
      node.children.map((c) => [c.type, c.name, c.getPluginData('overlay'), c.opacity, c.width]),
      [
        ['RECTANGLE', 'Segmentation', 'segmentation', 0.6, 256],
        ['RECTANGLE', 'Depth · hair', 'depth:hair', 1, 256],
      ],
    );
    assert.deepEqual(fake.images.get(imageHashOf(node.children[1])), layers[1].png);

    await place(fake, { targetNodeId: node.id, editId: 'edit-2', layers: [layers[0]] });
    assert.deepEqual(
      node.children.map((c) => c.name),
      ['Segmentation'],
    );
    // An update without `layers` keeps the existing ones.
    await place(fake, { targetNodeId: node.id, editId: 'edit-3' });
    assert.equal(node.children.length, 1);
  });

  it('refuses images Figma would refuse, with a message the UI can show', async () => {
    const fake = start();
    const notPng = await place(fake, { png: new Uint8Array([1, 2, 3, 4]) });
    assert.equal(notPng.answer.type, 'place-failed');
    assert.match(notPng.answer.message, /not a PNG/);

    const huge = await place(fake, { png: makePng(4097, 1) });
    assert.equal(huge.answer.type, 'place-failed');
    assert.match(huge.answer.message, /4096/);
    assert.equal(fake.page.children.length, 0, 'nothing half-made on the canvas');
    assert.ok(fake.log.notifications.some((n) => n.options?.error === true));
  });

  it('selects and reveals a node on request, and forwards notifications', async () => {
    const fake = start();
    const { answer } = await place(fake);
    fake.select([]);
    await fake.fromUi({ type: 'select-node', nodeId: answer.node.nodeId });
    assert.deepEqual(
      fake.page.selection.map((n: FakeNode) => n.id),
      [answer.node.nodeId],
    );

    await fake.fromUi({ type: 'select-node', nodeId: '9:999' });
    assert.match(fake.log.notifications.at(-1)!.message, /no longer/);

    await fake.fromUi({ type: 'notify', message: 'hello', error: false });
    assert.equal(fake.log.notifications.at(-1)!.message, 'hello');
    await fake.fromUi({ type: 'resize', width: 400, height: 600 });
    assert.deepEqual(fake.log.resized.at(-1), [400, 600]);
  });
});

describe('selecting a face from the plugin', () => {
  it('select-face selects the newest frame of that face on this server, and nothing when there is none', async () => {
    const fake = start();
    await place(fake, { faceId: 'face-2', faceName: 'Bo' });
    const first = (await place(fake)).answer.node.nodeId;
    const newest = (await place(fake, { targetNodeId: null })).answer.node.nodeId;
    assert.notEqual(first, newest);
    await place(fake, { serverUrl: 'http://elsewhere:4000' });
    fake.select([]);
    await fake.fromUi({ type: 'select-face', faceId: 'face-1', serverUrl: SERVER });
    assert.deepEqual(
      fake.page.selection.map((n: FakeNode) => n.id),
      [newest],
    );
    assert.deepEqual(fake.log.scrolledTo.at(-1), [newest]);

    fake.select([]);
    await fake.fromUi({ type: 'select-face', faceId: 'face-9', serverUrl: SERVER });
    assert.deepEqual(fake.page.selection, [], 'a face with no frame leaves the selection alone');
  });
});
