// The main thread's "place-strip" (the compositional view on the canvas), built dist/code.js
// against the fake figma: a container with a row of frames and their depth maps under them, and
// nothing created when an image is bad.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { createFakeFigma, runPluginCode, type FakeFigma } from './fake-figma.ts';
import { buildPlugin, makePng } from './helpers.ts';

let code = '';
before(() => {
  code = readFileSync(buildPlugin().codeFile, 'utf8');
});

function start(): FakeFigma {
  const fake = createFakeFigma();
  runPluginCode(code, fake, '<html>ui</html>');
  return fake;
}

async function placeStrip(fake: FakeFigma, frames: unknown[]) {
  const msg = {
    type: 'place-strip',
    requestId: `s${Math.random()}`,
    name: 'Ada · part by part',
    faceId: 'f1',
    editId: 'e1',
    frames,
  };
  const answer = fake.nextToUi((m) => m.requestId === msg.requestId);
  await fake.fromUi(msg);
  return answer;
}

describe('figma plugin main thread: strips', () => {
  it('places the steps in a row with each depth map under its step, in one new selected container', async () => {
    const fake = start();
    const answer = await placeStrip(fake, [
      {
        name: '1 · background',
        png: makePng(64, 64, [10, 20, 30]),
        below: { name: 'Depth · background', png: makePng(64, 64) },
      },
      {
        name: '2 · + hair',
        png: makePng(64, 64, [200, 20, 30]),
        below: { name: 'Depth · hair', png: makePng(64, 64) },
      },
      { name: '3 · + eyes', png: makePng(64, 64, [200, 200, 30]) },
    ]);
    assert.equal(answer.type, 'strip-placed');
    assert.equal(answer.frames, 3);
    assert.equal(fake.page.children.length, 1);
    const strip = fake.page.children[0];
    assert.equal(strip.id, answer.nodeId);
    assert.equal(strip.name, 'Ada · part by part');
    assert.equal(strip.getPluginData('compositionOf'), 'f1');
    assert.equal(strip.getPluginData('faceId'), '', 'not a face node: edits never update it');
    assert.deepEqual(
      strip.children.map((c) => c.name),
      ['1 · background', 'Depth · background', '2 · + hair', 'Depth · hair', '3 · + eyes'],
    );
    const [step1, depth1, step2] = strip.children;
    assert.equal(depth1.x, step1.x, 'the depth map sits under its step');
    assert.ok(depth1.y >= step1.y + step1.height);
    assert.ok(step2.x >= step1.x + step1.width, 'steps in a row');
    assert.equal(step1.width, 256, 'small renders are scaled up like placed faces');
    for (const c of strip.children) assert.equal(c.fills[0].type, 'IMAGE');
    assert.ok(strip.width >= step2.x + step2.width && strip.height >= depth1.y + depth1.height);
    assert.deepEqual(fake.page.selection, [strip]);
  });

  it('creates nothing when one image is not a PNG', async () => {
    const fake = start();
    const answer = await placeStrip(fake, [
      { name: '1 · background', png: makePng(64, 64) },
      { name: '2 · + hair', png: new Uint8Array([1, 2, 3]) },
    ]);
    assert.equal(answer.type, 'place-failed');
    assert.match(answer.message, /2 · \+ hair.*not a PNG/);
    assert.equal(fake.page.children.length, 0);
  });
});
