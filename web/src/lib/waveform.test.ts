import { describe, expect, it } from 'vitest';
import { createApi } from './api/client';
import { storageSession } from './api/session';
import { MIN_REFERENCE, NO_DATA, dataEnd, fetchWaveform, isWaveform, level, reducePeaks, referencePeak, wavePath, waveformPath, type Waveform } from './waveform';

const wf = (peaks: number[], bucketMs = 100, durationMs = peaks.length * bucketMs): Waveform => ({ bucketMs, durationMs, peaks });
const list = (a: Float32Array) => Array.from(a);

describe('isWaveform', () => {
	it('takes the API answer and refuses what cannot be drawn', () => {
		expect(isWaveform({ bucketMs: 100, durationMs: 61234, peaks: [0, 12, 255] })).toBe(true);
		expect(isWaveform({ bucketMs: 100, durationMs: 0, peaks: [] })).toBe(true);
		expect(isWaveform({ bucketMs: 0, durationMs: 100, peaks: [1] })).toBe(false);
		expect(isWaveform({ bucketMs: 100, durationMs: 100, peaks: ['1'] })).toBe(false);
		expect(isWaveform({ bucketMs: 100, durationMs: 100 })).toBe(false);
		expect(isWaveform({ requestId: 'r', errors: ['no recording'] })).toBe(false);
		expect(isWaveform(null)).toBe(false);
	});
});

describe('reducePeaks', () => {
	it('an empty array: every column is NO_DATA', () => {
		expect(list(reducePeaks(wf([]), 4, 1000))).toEqual([NO_DATA, NO_DATA, NO_DATA, NO_DATA]);
		expect(list(reducePeaks(wf([]), 0, 1000))).toEqual([]);
	});

	it('no span, or no columns: nothing to draw', () => {
		expect(list(reducePeaks(wf([9, 9]), 3, 0))).toEqual([NO_DATA, NO_DATA, NO_DATA]);
		expect(reducePeaks(wf([9, 9]), 0, 200).length).toBe(0);
		expect(reducePeaks(wf([9, 9]), 2.7, 200).length).toBe(2);
	});

	it('one bucket per column when they line up', () => {
		expect(list(reducePeaks(wf([1, 2, 3, 4]), 4, 400))).toEqual([1, 2, 3, 4]);
	});

	it('fewer buckets than pixels: a bucket spans several columns', () => {
		expect(list(reducePeaks(wf([10, 200]), 6, 200))).toEqual([10, 10, 10, 200, 200, 200]);
		// A column that straddles two buckets takes the larger.
		expect(list(reducePeaks(wf([10, 200]), 3, 200))).toEqual([10, 200, 200]);
	});

	it('many more buckets than pixels: the largest of each column, so a short peak survives', () => {
		const peaks = new Array(1000).fill(3);
		peaks[437] = 250;
		const cols = list(reducePeaks(wf(peaks), 10, 100_000));
		expect(cols).toEqual([3, 3, 3, 3, 250, 3, 3, 3, 3, 3]);
	});

	it('the last bucket is partial: it ends at durationMs, not a whole bucket later', () => {
		// 250 ms in 100 ms buckets: three peaks, the last for 200–250 ms only.
		const w = wf([5, 6, 7], 100, 250);
		expect(dataEnd(w)).toBe(250);
		// 50 ms columns over 300 ms: the sixth (250–300 ms) is past the recording.
		expect(list(reducePeaks(w, 6, 300))).toEqual([5, 5, 6, 6, 7, NO_DATA]);
		// A column that holds the recording's end is drawn.
		expect(list(reducePeaks(w, 3, 300))).toEqual([5, 6, 7]);
	});

	it('a recording shorter than the timeline leaves the columns past its end empty', () => {
		expect(list(reducePeaks(wf([8, 9]), 4, 400))).toEqual([8, 9, NO_DATA, NO_DATA]);
	});

	it('a recording longer than the timeline is cut at the timeline’s end', () => {
		expect(list(reducePeaks(wf([1, 2, 3, 4, 250, 250]), 2, 400))).toEqual([2, 4]);
	});

	it('more peaks than the duration says: those past durationMs are not drawn', () => {
		expect(list(reducePeaks({ bucketMs: 100, durationMs: 200, peaks: [1, 2, 99] }, 3, 300))).toEqual([1, 2, NO_DATA]);
	});

	it('column edges that fall on bucket edges do not take the next bucket (float error)', () => {
		// 3 columns of 100/3 ms over 10 ms buckets: 0–33.3 takes buckets 0–3, 33.3–66.7 takes 3–6, …
		const w = wf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10);
		expect(list(reducePeaks(w, 3, 100))).toEqual([4, 7, 10]);
		// 0.1 + 0.2 style edges: 7 columns of 30 ms over 30 ms buckets are one bucket each.
		const seven = wf([1, 2, 3, 4, 5, 6, 7], 30);
		expect(list(reducePeaks(seven, 7, 210))).toEqual([1, 2, 3, 4, 5, 6, 7]);
	});
});

describe('referencePeak and level', () => {
	it('the loudest peak is full height, but never a peak below MIN_REFERENCE', () => {
		expect(referencePeak([0, 255, 3])).toBe(255);
		expect(referencePeak([0, 128, 3])).toBe(128);
		expect(referencePeak([0, 2, 3])).toBe(MIN_REFERENCE);
		expect(referencePeak([])).toBe(MIN_REFERENCE);
		expect(referencePeak([300])).toBe(255);
	});

	it('a square-root scale: quiet speech stays visible', () => {
		expect(level(255)).toBe(1);
		expect(level(0)).toBe(0);
		expect(level(255 / 4)).toBeCloseTo(0.5);
		expect(level(25.5)).toBeCloseTo(0.316, 3);
		expect(level(32, 128)).toBeCloseTo(0.5);
		expect(level(400, 255)).toBe(1);
		expect(level(NO_DATA)).toBe(NO_DATA);
		expect(level(10, 0)).toBe(0);
	});
});

describe('wavePath', () => {
	it('nothing for no columns, only NO_DATA, or no height', () => {
		expect(wavePath([], 20)).toBe('');
		expect(wavePath([NO_DATA, NO_DATA], 20)).toBe('');
		expect(wavePath([1, 1], 0)).toBe('');
	});

	it('one column: a box a pixel wide, mirrored about the middle', () => {
		// height 20: middle 10, room 9 (1 px padding), full level → 1 to 19.
		expect(wavePath([1], 20)).toBe('M0,1L0.5,1L1,1L1,19L0.5,19L0,19Z');
	});

	it('silence is a thin line; levels go through the columns’ centres', () => {
		expect(wavePath([0, 1], 20)).toBe('M0,9.5L0.5,9.5L1.5,1L2,1L2,19L1.5,19L0.5,10.5L0,10.5Z');
		expect(wavePath([0], 20, { minHalf: 0 })).toBe('M0,10L0.5,10L1,10L1,10L0.5,10L0,10Z');
	});

	it('NO_DATA columns split the outline into separate shapes', () => {
		const d = wavePath([1, NO_DATA, NO_DATA, 0.5], 10, { pad: 0 });
		expect(d.match(/M/g)).toHaveLength(2);
		expect(d).toBe('M0,0L0.5,0L1,0L1,10L0.5,10L0,10ZM3,2.5L3.5,2.5L4,2.5L4,7.5L3.5,7.5L3,7.5Z');
	});

	it('rounds coordinates to hundredths (short strings for thousands of columns)', () => {
		expect(wavePath([1 / 3], 10, { pad: 0 })).toBe('M0,3.33L0.5,3.33L1,3.33L1,6.67L0.5,6.67L0,6.67Z');
	});
});

describe('waveformPath', () => {
	it('reduces, scales and outlines in one go', () => {
		// Two buckets over a timeline twice as long: the second half of the strip is empty.
		const d = waveformPath(wf([255, 64], 1000), 4, 10, 4, { pad: 0, minHalf: 0 });
		expect(d).toBe('M0,0L0.5,0L1.5,2.5L2,2.5L2,7.5L1.5,7.5L0.5,10L0,10Z');
	});

	it('a thousands-of-buckets call on a wide strip stays a path of one point per column', () => {
		const peaks = Array.from({ length: 10_000 }, (_, i) => (i * 37) % 256);
		const d = waveformPath(wf(peaks, 360), 1600, 48, 3600);
		expect(d.match(/L/g)!.length).toBe(2 * 1600 + 3);
	});
});

describe('fetchWaveform', () => {
	const setup = (answer: () => Response | Promise<Response>) =>
		createApi({ session: storageSession(localStorage), onUnauthorized: () => {}, baseUrl: 'http://parley.test', fetch: async () => answer() });
	const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

	it('answers the waveform', async () => {
		const body = { bucketMs: 100, durationMs: 250, peaks: [0, 12, 255] };
		expect(await fetchWaveform(setup(() => json(200, body)), '7')).toEqual(body);
	});

	it('no recording, not computed yet, a server error, a broken body or no network: undefined, nothing thrown', async () => {
		expect(await fetchWaveform(setup(() => json(404, { requestId: 'r', errors: ['call 7 has no waveform'] })), '7')).toBeUndefined();
		expect(await fetchWaveform(setup(() => json(500, { requestId: 'r', errors: ['boom'] })), '7')).toBeUndefined();
		expect(await fetchWaveform(setup(() => json(200, { bucketMs: 100 })), '7')).toBeUndefined();
		expect(await fetchWaveform(setup(() => new Response('not json', { status: 200, headers: { 'content-type': 'application/json' } })), '7')).toBeUndefined();
		expect(await fetchWaveform(setup(() => Promise.reject(new TypeError('Failed to fetch'))), '7')).toBeUndefined();
	});

	it('asks the call’s waveform route', async () => {
		let url = '';
		const api = createApi({
			session: storageSession(localStorage),
			onUnauthorized: () => {},
			baseUrl: 'http://parley.test',
			fetch: async (input: RequestInfo | URL) => {
				url = (input as Request).url;
				return json(404, { requestId: 'r', errors: ['none'] });
			}
		});
		await fetchWaveform(api, '7100000000000000001');
		expect(url).toBe('http://parley.test/parley/v1/calls/7100000000000000001/waveform');
	});
});

describe('a zoomed window of the waveform', () => {
	const w: Waveform = { bucketMs: 100, durationMs: 1000, peaks: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };
	it('reducePeaks starts at fromMs', () => {
		expect(Array.from(reducePeaks(w, 4, 400, 300))).toEqual([4, 5, 6, 7]);
		expect(Array.from(reducePeaks(w, 4, 400, 800))).toEqual([9, 10, NO_DATA, NO_DATA]);
		expect(Array.from(reducePeaks(w, 2, 400, -50))).toEqual([2, 4]);
	});

	it('waveformPath keeps the whole recording’s reference, so a quiet window is not blown up', () => {
		const whole = waveformPath(w, 2, 20, 0.2, { minHalf: 0, pad: 0 }, 0);
		const zoomedRef = waveformPath(w, 2, 20, 0.2, { minHalf: 0, pad: 0 }, 0, 2);
		expect(whole).not.toBe(zoomedRef);
		expect(waveformPath(w, 2, 20, 0.2, { minHalf: 0, pad: 0 }, 0, referencePeak(w.peaks))).toBe(whole);
	});
});
