// The retention planner: newest N kept, older ones removed unless in use (by ID or by tag).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planImageRetention, type ServiceImage } from './images.ts';

function image(n: number, tags: string[] = [`berth/app:d${n}`]): ServiceImage {
  return { id: `sha256:${String(n).padStart(64, '0')}`, tags, deploymentId: `d${n}`, createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)), sizeBytes: 1 };
}

const ids = (list: ServiceImage[]) => list.map((i) => i.deploymentId);

describe('planImageRetention', () => {
  it('keeps the newest N whatever the input order, removes the rest', () => {
    const plan = planImageRetention([3, 7, 1, 5, 2, 6, 4].map((n) => image(n)), new Set(), 5);
    assert.deepEqual(ids(plan.keep), ['d7', 'd6', 'd5', 'd4', 'd3']);
    assert.deepEqual(ids(plan.remove), ['d2', 'd1']);
    assert.deepEqual(plan.inUse, []);
  });

  it('leaves older images that a service or container uses, by ID or by tag', () => {
    const images = [1, 2, 3, 4].map((n) => image(n));
    const plan = planImageRetention(images, new Set([images[0]?.id ?? '', 'berth/app:d2']), 1);
    assert.deepEqual(ids(plan.keep), ['d4']);
    assert.deepEqual(ids(plan.remove), ['d3']);
    assert.deepEqual(ids(plan.inUse), ['d2', 'd1']);
  });

  it('keeps everything when there are N or fewer', () => {
    const plan = planImageRetention([image(1), image(2)], new Set(), 5);
    assert.deepEqual({ keep: plan.keep.length, remove: plan.remove.length }, { keep: 2, remove: 0 });
  });
});
