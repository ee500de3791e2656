import { describe, expect, it } from 'vitest';
import {
	MIN_SPAN,
	clampView,
	describeSpan,
	fitView,
	followView,
	isZoomed,
	minSpan,
	panView,
	scrollOf,
	startAtScroll,
	timeInView,
	viewPercent,
	zoomAnchor,
	zoomOf,
	zoomView,
	zoomedWidth
} from './zoom';

const HOUR = 3600;

describe('clampView and fitView', () => {
	it('keep the span between 30 s and the call, and the window inside the call', () => {
		expect(fitView(HOUR)).toEqual({ start: 0, span: HOUR });
		expect(clampView({ start: 100, span: 5 }, HOUR)).toEqual({ start: 100, span: MIN_SPAN });
		expect(clampView({ start: -50, span: 600 }, HOUR)).toEqual({ start: 0, span: 600 });
		expect(clampView({ start: 3500, span: 600 }, HOUR)).toEqual({ start: 3000, span: 600 });
		expect(clampView({ start: 10, span: 9000 }, HOUR)).toEqual({ start: 0, span: HOUR });
	});

	it('a call shorter than 30 s is always shown whole; nothing breaks on an empty or broken call', () => {
		expect(minSpan(20)).toBe(20);
		expect(clampView({ start: 5, span: 1 }, 20)).toEqual({ start: 0, span: 20 });
		expect(clampView({ start: 5, span: 10 }, 0)).toEqual({ start: 0, span: 0 });
		expect(clampView({ start: NaN, span: NaN }, HOUR)).toEqual({ start: 0, span: HOUR });
		expect(fitView(NaN)).toEqual({ start: 0, span: 0 });
	});

	it('zoomOf and isZoomed', () => {
		expect(zoomOf({ start: 0, span: 900 }, HOUR)).toBe(4);
		expect(zoomOf({ start: 0, span: 0 }, 0)).toBe(1);
		expect(isZoomed(fitView(HOUR), HOUR)).toBe(false);
		expect(isZoomed({ start: 0, span: 1800 }, HOUR)).toBe(true);
		expect(isZoomed({ start: 0, span: 0 }, 0)).toBe(false);
	});
});

describe('zoomView', () => {
	it('keeps the anchor moment where it is on screen', () => {
		const v = zoomView(fitView(HOUR), 2, 900, HOUR);
		expect(v.span).toBe(1800);
		// 900 was at 25% of the width; it still is.
		expect(viewPercent(900, v)).toBeCloseTo(25);
		const w = zoomView(v, 4, 1000, HOUR);
		expect(w.span).toBe(450);
		expect(viewPercent(1000, w)).toBeCloseTo(viewPercent(1000, v));
	});

	it('stops at 30 s and at the whole call, and stays inside the call near its ends', () => {
		let v = fitView(HOUR);
		for (let i = 0; i < 20; i++) v = zoomView(v, 2, 3590, HOUR);
		expect(v.span).toBe(MIN_SPAN);
		expect(v.start + v.span).toBeLessThanOrEqual(HOUR);
		expect(v.start).toBeGreaterThan(3500);
		for (let i = 0; i < 20; i++) v = zoomView(v, 0.5, 3590, HOUR);
		expect(v).toEqual(fitView(HOUR));
	});

	it('clamps an anchor outside the view to it, and ignores a factor that is not positive', () => {
		const v = { start: 600, span: 600 };
		expect(zoomView(v, 2, 5000, HOUR)).toEqual({ start: 900, span: 300 });
		expect(zoomView(v, 0, 700, HOUR)).toEqual(v);
		expect(zoomView(v, NaN, 700, HOUR)).toEqual(v);
	});
});

describe('panView and zoomAnchor', () => {
	it('moves the window and stops at the ends', () => {
		expect(panView({ start: 600, span: 600 }, 300, HOUR)).toEqual({ start: 900, span: 600 });
		expect(panView({ start: 600, span: 600 }, -900, HOUR)).toEqual({ start: 0, span: 600 });
		expect(panView({ start: 2900, span: 600 }, 300, HOUR)).toEqual({ start: 3000, span: 600 });
	});

	it('anchors the zoom on the playhead when it is in view, else on the middle', () => {
		expect(zoomAnchor({ start: 600, span: 600 }, 700)).toBe(700);
		expect(zoomAnchor({ start: 600, span: 600 }, 100)).toBe(900);
	});
});

describe('time ↔ x at a zoom', () => {
	const v = { start: 1200, span: 60 };
	it('viewPercent places times in the window (outside it below 0 / above 100)', () => {
		expect(viewPercent(1200, v)).toBe(0);
		expect(viewPercent(1230, v)).toBe(50);
		expect(viewPercent(1260, v)).toBe(100);
		expect(viewPercent(1100, v)).toBeLessThan(0);
		expect(viewPercent(NaN, v)).toBe(0);
		expect(viewPercent(5, { start: 0, span: 0 })).toBe(0);
	});

	it('timeInView maps a fraction of the visible width back to a time, clamped to the window', () => {
		expect(timeInView(0.5, v)).toBe(1230);
		expect(timeInView(-1, v)).toBe(1200);
		expect(timeInView(2, v)).toBe(1260);
		expect(timeInView(NaN, v)).toBe(1200);
		// Round trip.
		expect(timeInView(viewPercent(1234.5, v) / 100, v)).toBeCloseTo(1234.5);
	});

	it('scroll offsets and view starts are each other’s inverse', () => {
		// A 1000 px view of 15 minutes: the track is 4000 px wide.
		const view = { start: 900, span: 900 };
		expect(scrollOf(view, 4000, HOUR)).toBe(1000);
		expect(startAtScroll(1000, 4000, HOUR)).toBe(900);
		expect(startAtScroll(10, 0, HOUR)).toBe(0);
		expect(scrollOf(view, 4000, 0)).toBe(0);
	});
});

describe('followView', () => {
	const v = { start: 600, span: 300 };
	it('leaves the view alone (the same object) while the playhead is in it', () => {
		expect(followView(v, 700, 700.016, true, HOUR)).toBe(v);
		expect(followView(v, 0, 650, false, HOUR)).toBe(v);
	});

	it('pages on when playback runs past the right edge', () => {
		const next = followView(v, 899.99, 900.01, true, HOUR);
		expect(next.span).toBe(300);
		expect(next.start).toBeCloseTo(900.01 - 30);
		// And the next frame is inside the new view: no further change.
		expect(followView(next, 900.01, 900.03, true, HOUR)).toBe(next);
	});

	it('does not pull back a view the user panned away from the playing playhead', () => {
		expect(followView(v, 100, 100.02, true, HOUR)).toBe(v);
		expect(followView(v, 2000, 2000.02, true, HOUR)).toBe(v);
	});

	it('brings a seek outside the view into view, while playing or paused', () => {
		expect(followView(v, 700, 3000, true, HOUR)).toEqual({ start: 2970, span: 300 });
		expect(followView(v, 700, 100, false, HOUR)).toEqual({ start: 70, span: 300 });
		expect(followView(v, 700, 3599, false, HOUR)).toEqual({ start: 3300, span: 300 });
		expect(followView(v, NaN, 10, true, HOUR)).toEqual({ start: 0, span: 300 });
	});

	it('never moves the whole call', () => {
		const whole = fitView(HOUR);
		expect(followView(whole, 0, 3000, false, HOUR)).toBe(whole);
	});
});

describe('describeSpan', () => {
	it('says how long the visible window is', () => {
		expect(describeSpan(30)).toBe('30 s');
		expect(describeSpan(3600)).toBe('60 min');
		expect(describeSpan(450)).toBe('7 min 30 s');
	});
});

describe('zoomedWidth', () => {
	it('is the laid-out width at the whole call, and the true length (with a shrinking minimum) when zoomed', () => {
		// A 2 s turn of an hour, laid out at the 0.4% minimum.
		const bar = { start: 60, end: 62, width: 0.4 };
		expect(zoomedWidth(bar, HOUR, 1)).toBe(0.4);
		expect(zoomedWidth(bar, HOUR, 4)).toBe(0.1);
		expect(zoomedWidth(bar, HOUR, 120)).toBeCloseTo((2 / HOUR) * 100);
		expect(zoomedWidth({ start: 0, end: 900, width: 25 }, HOUR, 8)).toBe(25);
		expect(zoomedWidth(bar, 0, 1)).toBe(0.4);
	});
});
