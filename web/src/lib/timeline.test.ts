import { describe, expect, it } from 'vitest';
import type { Segment, SpeakerLabel } from './segments';
import { buildLanes, mergeIntervals, percent, spanOf, timeAt, timelineDuration, topicSpans, trackerMarkers } from './timeline';

const seg = (speakerId: string, start: number, end: number): Segment => ({ speakerId, start, end, text: '' });
const labels = new Map<string, SpeakerLabel>([
	['c', { name: 'Casey Customer', affiliation: 'External' }],
	['r', { name: 'Rita Rep', affiliation: 'Internal' }]
]);

describe('percent and timeAt', () => {
	it('map times to 0–100 and back, clamped', () => {
		expect(percent(30, 120)).toBe(25);
		expect(percent(-5, 120)).toBe(0);
		expect(percent(500, 120)).toBe(100);
		expect(percent(10, 0)).toBe(0);
		expect(percent(NaN, 10)).toBe(0);
		expect(timeAt(0.25, 120)).toBe(30);
		expect(timeAt(-0.1, 120)).toBe(0);
		expect(timeAt(1.5, 120)).toBe(120);
		expect(timeAt(0.5, 0)).toBe(0);
		expect(timeAt(NaN, 60)).toBe(0);
	});

	it('round-trip: a click at a percentage lands on the time drawn there', () => {
		for (const t of [0, 1.25, 59.9, 60]) expect(timeAt(percent(t, 60) / 100, 60)).toBeCloseTo(t, 9);
	});
});

describe('timelineDuration', () => {
	const segs = [seg('r', 0, 10), seg('c', 10, 95)];
	it('prefers the media duration, then the call, and never cuts the last sentence', () => {
		expect(timelineDuration(120.5, 100, segs)).toBe(120.5);
		expect(timelineDuration(NaN, 100, segs)).toBe(100);
		expect(timelineDuration(Infinity, 90, segs)).toBe(95);
		expect(timelineDuration(undefined, undefined, segs)).toBe(95);
		expect(timelineDuration(undefined, undefined, [])).toBe(0);
	});
});

describe('spanOf', () => {
	it('is clamped to the timeline', () => {
		expect(spanOf(-3, 10, 100)).toEqual({ start: 0, end: 10, left: 0, width: 10 });
		expect(spanOf(90, 130, 100)).toEqual({ start: 90, end: 100, left: 90, width: 10 });
		expect(spanOf(200, 300, 100)).toEqual({ start: 100, end: 100, left: 100, width: 0 });
		expect(spanOf(200, 300, 100, 1)).toEqual({ start: 100, end: 100, left: 99, width: 1 });
	});

	it('gives short spans a minimum width, kept inside 0–100', () => {
		expect(spanOf(50, 50.01, 100, 0.5)).toMatchObject({ left: 50, width: 0.5 });
		const end = spanOf(99.9, 100, 100, 0.5);
		expect(end.left + end.width).toBeCloseTo(100, 9);
		expect(end.width).toBe(0.5);
	});

	it('an end before the start is an empty span at the start', () => {
		expect(spanOf(40, 30, 100)).toMatchObject({ start: 40, end: 40, width: 0 });
	});
});

describe('mergeIntervals', () => {
	it('merges overlapping and close intervals, sorted', () => {
		expect(mergeIntervals([[10, 12], [0, 3], [3.5, 5], [12, 20], [30, 31]], 1)).toEqual([
			[0, 5],
			[10, 20],
			[30, 31]
		]);
		expect(mergeIntervals([[0, 3], [3.5, 5]], 0)).toEqual([
			[0, 3],
			[3.5, 5]
		]);
	});

	it('keeps a contained interval inside the one around it', () => {
		expect(mergeIntervals([[0, 10], [2, 3], [11, 12]], 0.5)).toEqual([
			[0, 10],
			[11, 12]
		]);
	});

	it('drops intervals that are not finite or run backwards', () => {
		expect(mergeIntervals([[NaN, 1], [5, 4], [1, 2]], 0)).toEqual([[1, 2]]);
	});
});

describe('buildLanes', () => {
	const segs = [seg('c', 0, 4), seg('r', 4.2, 10), seg('r', 10.5, 20), seg('c', 20, 30), seg('r', 40, 50), seg('x', 50, 60)];

	it('makes one lane per speaker, company first, then non-company, then unknown', () => {
		const lanes = buildLanes(segs, labels, 100);
		expect(lanes.map((l) => [l.speakerId, l.name, l.affiliation])).toEqual([
			['r', 'Rita Rep', 'Internal'],
			['c', 'Casey Customer', 'External'],
			['x', 'x', 'Unknown']
		]);
	});

	it('merges a speaker’s adjacent sentences into turns, in percent of the duration', () => {
		const [rep, customer] = buildLanes(segs, labels, 100, new Map(), { mergeGap: 1, minWidth: 0 });
		expect(rep!.bars.map((b) => [b.left, b.width])).toEqual([
			[4.2, expect.closeTo(15.8, 9)],
			[40, 10]
		]);
		expect(customer!.bars.map((b) => [b.left, b.width])).toEqual([
			[0, 4],
			[20, 10]
		]);
	});

	it('shares talk time from the sentences (overlaps once), or from the server when it covers every lane', () => {
		const overlapping = [seg('r', 0, 10), seg('r', 5, 10), seg('c', 10, 20)];
		const lanes = buildLanes(overlapping, labels, 20);
		expect(lanes.map((l) => [l.talk, l.share])).toEqual([
			[10, 0.5],
			[10, 0.5]
		]);
		const server = buildLanes(overlapping, labels, 20, new Map([['r', 30], ['c', 10]]));
		expect(server.map((l) => l.share)).toEqual([0.75, 0.25]);
		// A partial server figure is not mixed with computed ones.
		const partial = buildLanes(overlapping, labels, 20, new Map([['r', 30]]));
		expect(partial.map((l) => l.share)).toEqual([0.5, 0.5]);
	});

	it('is empty without sentences and survives a zero duration', () => {
		expect(buildLanes([], labels, 100)).toEqual([]);
		const lanes = buildLanes([seg('r', 0, 0)], labels, 0);
		expect(lanes[0]!.share).toBe(0);
		expect(lanes[0]!.bars).toEqual([]);
	});

	it('does not draw turns that start past the end (a recording shorter than its transcript)', () => {
		const [rep] = buildLanes([seg('r', 10, 20), seg('r', 50, 70), seg('r', 80, 90)], labels, 60, new Map(), { mergeGap: 0, minWidth: 0 });
		expect(rep!.bars.map((b) => [b.start, b.end])).toEqual([
			[10, 20],
			[50, 60]
		]);
		expect(rep!.talk).toBe(40);
	});
});

describe('trackerMarkers', () => {
	it('puts every occurrence on the timeline by time; none past its end', () => {
		const m = trackerMarkers(
			[
				{ name: 'Pricing', occurrences: [{ startTime: 50, speakerId: 'r' }, { startTime: 130, speakerId: 'c' }, { startTime: 100, speakerId: 'c' }, { startTime: -0.5, speakerId: 'c' }] },
				{ name: 'Competitors', occurrences: [{ startTime: 10, speakerId: 'c' }, { startTime: NaN, speakerId: 'c' }] },
				{ name: 'No occurrences asked', occurrences: null }
			],
			100
		);
		expect(m.map((x) => [x.label, x.at, x.left])).toEqual([
			['Pricing', 0, 0],
			['Competitors', 10, 10],
			['Pricing', 50, 50],
			['Pricing', 100, 100]
		]);
		expect(trackerMarkers(undefined, 100)).toEqual([]);
		expect(trackerMarkers([{ name: 'x', occurrences: [{ startTime: 0, speakerId: 'r' }] }], 0)).toEqual([]);
	});
});

describe('topicSpans', () => {
	const mono = (topic: string | null, ...sentences: [number, number][]) => ({ topic, sentences: sentences.map(([start, end]) => ({ start, end })) });

	it('joins consecutive monologues of one topic (ms → s) and breaks on another or none', () => {
		const spans = topicSpans(
			[
				mono('Small talk', [0, 4000]),
				mono('Small talk', [4000, 9000], [9000, 10000]),
				mono('Pricing', [10000, 30000]),
				mono(null, [30000, 40000]),
				mono('Pricing', [40000, 50000]),
				mono('Ignored')
			],
			100
		);
		expect(spans.map((s) => [s.name, s.start, s.end, s.left, s.width])).toEqual([
			['Small talk', 0, 10, 0, 10],
			['Pricing', 10, 30, 10, 20],
			['Pricing', 40, 50, 40, 10]
		]);
	});

	it('leaves out spans that start past the end, and cuts those that run past it', () => {
		const spans = topicSpans([mono('A', [0, 30000]), mono('B', [30000, 70000]), mono('C', [70000, 80000])], 60);
		expect(spans.map((s) => [s.name, s.start, s.end])).toEqual([
			['A', 0, 30],
			['B', 30, 60]
		]);
	});

	it('is empty when the transcript carries no topics', () => {
		expect(topicSpans([mono(null, [0, 1000])], 10)).toEqual([]);
	});
});
