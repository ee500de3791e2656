import { describe, expect, it } from 'vitest';
import { INTENT_MS, follow, initialFollow, rowVisible, scrollTarget, type FollowEvent } from './follow';

const run = (events: FollowEvent[]) => events.reduce(follow, initialFollow);

describe('follow', () => {
	it('follows from the start, and our own scrolling never stops it', () => {
		expect(initialFollow.following).toBe(true);
		expect(run([{ kind: 'scroll', at: 1000, activeVisible: false }]).following).toBe(true);
	});

	it('stops when the user scrolls the playing sentence out of view', () => {
		const s = run([
			{ kind: 'intent', at: 1000 },
			{ kind: 'scroll', at: 1100, activeVisible: false }
		]);
		expect(s.following).toBe(false);
	});

	it('keeps following when the user scrolls a little and the sentence stays in view', () => {
		expect(
			run([
				{ kind: 'intent', at: 1000 },
				{ kind: 'scroll', at: 1050, activeVisible: true }
			]).following
		).toBe(true);
	});

	it('an old touch does not make a later (programmatic) scroll the user’s', () => {
		expect(
			run([
				{ kind: 'intent', at: 1000 },
				{ kind: 'scroll', at: 1000 + INTENT_MS + 1, activeVisible: false }
			]).following
		).toBe(true);
	});

	it('"back to now" resumes and forgets the touch', () => {
		const s = run([
			{ kind: 'intent', at: 1000 },
			{ kind: 'scroll', at: 1100, activeVisible: false },
			{ kind: 'resume' },
			{ kind: 'scroll', at: 1200, activeVisible: false }
		]);
		expect(s.following).toBe(true);
	});

	it('once stopped, scrolling back does not resume by itself', () => {
		const s = run([
			{ kind: 'intent', at: 1000 },
			{ kind: 'scroll', at: 1100, activeVisible: false },
			{ kind: 'intent', at: 2000 },
			{ kind: 'scroll', at: 2100, activeVisible: true }
		]);
		expect(s.following).toBe(false);
	});
});

describe('scrollTarget', () => {
	// A 300 px view over 3000 px of rows.
	it('leaves a row that sits well inside the view', () => {
		expect(scrollTarget(500, 40, 400, 300, 3000)).toBeUndefined();
	});

	it('brings a row below or above the view to a third of its height', () => {
		expect(scrollTarget(1000, 40, 400, 300, 3000)).toBe(900);
		expect(scrollTarget(100, 40, 400, 300, 3000)).toBe(0);
		expect(scrollTarget(300, 40, 400, 300, 3000)).toBe(200);
	});

	it('also moves a row that is in view but in the bottom margin', () => {
		expect(scrollTarget(680, 40, 400, 300, 3000)).toBe(580);
	});

	it('is clamped to the content, and undefined when nothing would move', () => {
		expect(scrollTarget(2980, 20, 0, 300, 3000)).toBe(2700);
		expect(scrollTarget(2980, 20, 2700, 300, 3000)).toBeUndefined();
		expect(scrollTarget(10, 20, 0, 0, 3000)).toBeUndefined();
	});
});

describe('rowVisible', () => {
	it('is true for any overlap with the view', () => {
		expect(rowVisible(390, 20, 400, 300)).toBe(true);
		expect(rowVisible(690, 20, 400, 300)).toBe(true);
		expect(rowVisible(370, 30, 400, 300)).toBe(false);
		expect(rowVisible(700, 30, 400, 300)).toBe(false);
	});
});
