import { describe, expect, it } from 'vitest';
import { flattenTranscript, segmentAt, sideOf, speakerLabels, startsOf } from './segments';

const starts = Float64Array.from([0, 2.5, 2.5, 7, 10.25]);

describe('segmentAt', () => {
	it('is -1 for an empty list, before the first start, and for NaN', () => {
		expect(segmentAt(new Float64Array(), 3)).toBe(-1);
		expect(segmentAt(Float64Array.from([1, 2]), 0.999)).toBe(-1);
		expect(segmentAt(starts, -0.001)).toBe(-1);
		expect(segmentAt(starts, NaN)).toBe(-1);
	});

	it('includes both edges: a start belongs to the segment it opens', () => {
		expect(segmentAt(starts, 0)).toBe(0);
		expect(segmentAt(starts, 7)).toBe(3);
		expect(segmentAt(starts, 10.25)).toBe(4);
		expect(segmentAt(starts, 6.999999)).toBe(2);
	});

	it('resolves equal starts to the last one, and runs past the end', () => {
		expect(segmentAt(starts, 2.5)).toBe(2);
		expect(segmentAt(starts, 1e9)).toBe(4);
		expect(segmentAt(starts, Infinity)).toBe(4);
	});

	it('agrees with a linear scan on random data', () => {
		let seed = 42;
		const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		for (let round = 0; round < 50; round++) {
			const n = Math.floor(rand() * 40);
			const a = Float64Array.from({ length: n }, () => Math.round(rand() * 100) / 4).sort();
			for (let k = 0; k < 30; k++) {
				const t = rand() * 30 - 2;
				let want = -1;
				for (let i = 0; i < n; i++) if (a[i]! <= t) want = i;
				expect(segmentAt(a, t)).toBe(want);
			}
		}
	});

	it('searches 100k segments fast', () => {
		const big = Float64Array.from({ length: 100_000 }, (_, i) => i * 0.5);
		const t0 = performance.now();
		for (let i = 0; i < 100_000; i++) segmentAt(big, (i * 7919) % 50_000);
		expect(performance.now() - t0).toBeLessThan(500);
		expect(segmentAt(big, 49_999.75)).toBe(99_999);
	});
});

describe('flattenTranscript and speakerLabels', () => {
	const monologues = [
		{ speakerId: 'b', sentences: [{ start: 4000, end: 6000, text: 'Second.', words: [] }] },
		{
			speakerId: 'a',
			topic: null,
			sentences: [
				{ start: 0, end: 1500, text: 'First.', words: [] },
				{ start: 8000, end: 9000, text: 'Third.', words: [] }
			]
		},
		{ speakerId: 'c', sentences: [{ start: 8000, end: 8500, text: 'Tie.', words: [] }] }
	];

	it('flattens to seconds, sorted by start, ties kept in order', () => {
		const segs = flattenTranscript(monologues);
		expect(segs.map((s) => s.text)).toEqual(['First.', 'Second.', 'Third.', 'Tie.']);
		expect(segs[1]).toEqual({ speakerId: 'b', start: 4, end: 6, text: 'Second.', words: [] });
		expect(Array.from(startsOf(segs))).toEqual([0, 4, 8, 8]);
	});

	it('keeps word times in seconds, sorted by start', () => {
		const segs = flattenTranscript([
			{ speakerId: 'a', sentences: [{ start: 1000, end: 2000, text: 'Hi there', words: [{ start: 1500, end: 2000, text: 'there' }, { start: 1000, end: 1400, text: 'Hi' }] }] }
		]);
		expect(segs[0]!.words).toEqual([{ start: 1, end: 1.4, text: 'Hi' }, { start: 1.5, end: 2, text: 'there' }]);
	});

	it('names speakers from parties, numbering the unknown ones', () => {
		const segs = flattenTranscript(monologues);
		const labels = speakerLabels(
			[
				{ id: 'p1', speakerId: 'b', name: 'Dana Buyer', affiliation: 'External', context: [], methods: [] },
				{ id: 'p2', speakerId: null, name: 'Not speaking', affiliation: 'Internal', context: [], methods: [] },
				{ id: 'p3', speakerId: 'c', name: ' ', emailAddress: 'rep@example.com', affiliation: 'Internal', context: [], methods: [] }
			],
			segs
		);
		expect(labels.get('a')).toEqual({ name: 'Speaker 1', affiliation: 'Unknown' });
		expect(labels.get('b')).toEqual({ name: 'Dana Buyer', affiliation: 'External' });
		expect(labels.get('c')).toEqual({ name: 'rep@example.com', affiliation: 'Internal' });
	});
});

describe('sideOf', () => {
	it('says the side in words', () => {
		expect(sideOf('Internal')).toBe('Company');
		expect(sideOf('External')).toBe('Non-company');
		expect(sideOf('Unknown')).toBe('Side unknown');
		expect(sideOf(undefined)).toBe('Side unknown');
	});
});
