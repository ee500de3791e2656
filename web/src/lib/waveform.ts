// The recording's waveform on the call page's timeline: fetching it (decoration only, so
// any failure is "no waveform"), reducing its peaks to the canvas's pixel columns over the
// timeline's span, a perceptual scale, and the outline to fill. Pure functions apart from
// `fetchWaveform`: unit-tested in waveform.test.ts.

import type { Api } from './api/client';
import type { components } from './api/schema';

/** `GET /parley/v1/calls/{id}/waveform`: one peak (0–255, linear) per bucket of `bucketMs` ms
 * (its `requestId` is not needed to draw it). */
export type Waveform = Omit<components['schemas']['Waveform'], 'requestId'>;

/** Peaks of at most this are drawn at full height however quiet the loudest one is (see `referencePeak`). */
export const MIN_REFERENCE = 64;

/** A column of `reducePeaks` that no part of the recording falls in. */
export const NO_DATA = -1;

/** Whether `x` is a waveform that can be drawn: positive whole bucket length, peaks all numbers. */
export function isWaveform(x: unknown): x is Waveform {
	if (!x || typeof x !== 'object') return false;
	const w = x as Record<string, unknown>;
	return (
		typeof w.bucketMs === 'number' &&
		Number.isFinite(w.bucketMs) &&
		w.bucketMs > 0 &&
		typeof w.durationMs === 'number' &&
		Number.isFinite(w.durationMs) &&
		w.durationMs >= 0 &&
		Array.isArray(w.peaks) &&
		w.peaks.every((p) => typeof p === 'number' && Number.isFinite(p))
	);
}

/**
 * The call's waveform, or undefined: when the call has no recording or its waveform is not
 * computed yet (a 404), and on any other failure too. It is decoration (the lanes and the
 * transcript carry the content), so nothing is thrown and nothing is logged.
 */
export async function fetchWaveform(api: Api, callId: string): Promise<Waveform | undefined> {
	try {
		const { data, response } = await api.GET('/parley/v1/calls/{id}/waveform', { params: { path: { id: callId } } });
		return response.ok && isWaveform(data) ? data : undefined;
	} catch {
		return undefined;
	}
}

/** Where the recording's peaks end (ms): the last bucket may be partial, so `durationMs` when it is shorter. */
export function dataEnd(w: Waveform): number {
	const buckets = w.peaks.length * w.bucketMs;
	return w.durationMs > 0 ? Math.min(buckets, w.durationMs) : buckets;
}

/**
 * The peaks reduced to `columns` pixel columns that span `spanMs` of the timeline from
 * `fromMs` (its start unless the timeline is zoomed): column c covers
 * fromMs + [c, c+1) × spanMs / columns, and is the largest peak of the buckets
 * it overlaps (so a short loud moment is never averaged away, however many buckets fall in
 * a pixel). With fewer buckets than columns a bucket spans several columns. A column past
 * the end of the recording (a timeline longer than the recording) is NO_DATA; buckets past
 * the timeline's span (a recording longer than the timeline) are not drawn.
 */
export function reducePeaks(w: Waveform, columns: number, spanMs: number, fromMs = 0): Float32Array {
	const n = Math.max(0, Math.floor(columns));
	const out = new Float32Array(n).fill(NO_DATA);
	const count = w.peaks.length;
	if (!(spanMs > 0) || !(w.bucketMs > 0) || count === 0) return out;
	const end = dataEnd(w);
	const perColumn = spanMs / n;
	const from = Number.isFinite(fromMs) ? Math.max(0, fromMs) : 0;
	for (let c = 0; c < n; c++) {
		const t0 = from + c * perColumn;
		if (t0 >= end) break;
		const t1 = Math.min(from + (c + 1) * perColumn, end);
		const first = Math.min(count - 1, Math.floor(t0 / w.bucketMs));
		// The bucket that ends exactly at t1 is the last one; tolerate float error on that edge.
		const last = Math.min(count - 1, Math.max(first, Math.ceil(t1 / w.bucketMs - 1e-9) - 1));
		let peak = 0;
		for (let b = first; b <= last; b++) peak = Math.max(peak, w.peaks[b]!);
		out[c] = peak;
	}
	return out;
}

/**
 * The peak that is drawn at full height: the recording's loudest, but never below
 * MIN_REFERENCE, so that a quiet recording fills the strip while a silent one (hum, a
 * muted line) stays low instead of blowing its noise up to full height.
 */
export function referencePeak(peaks: readonly number[]): number {
	let max = 0;
	for (const p of peaks) if (p > max) max = p;
	return Math.min(255, Math.max(MIN_REFERENCE, max));
}

/**
 * A peak as a height of 0–1 on a perceptual (square-root) scale: quiet speech at a tenth
 * of full scale is drawn at about a third of the height, not a tenth. NO_DATA stays NO_DATA.
 */
export function level(peak: number, reference = 255): number {
	if (peak < 0) return NO_DATA;
	if (!(reference > 0)) return 0;
	return Math.sqrt(Math.min(1, peak / reference));
}

export interface PathOptions {
	/** Half the height of a silent column (so that silence shows as a thin line), in pixels. */
	minHalf?: number;
	/** Space kept free above and below the loudest peak, in pixels. */
	pad?: number;
}

const num = (v: number) => String(Math.round(v * 100) / 100);

/**
 * The outline of the waveform as SVG path data (for a canvas `Path2D` or an SVG `<path>`),
 * in pixels of a strip `height` high with one column per level: mirrored about the middle,
 * one closed shape per run of columns with data, columns of NO_DATA left empty. Points sit
 * at the columns' centres; each run starts at its first column's left edge and ends at its
 * last column's right edge, so one column alone is still a box a pixel wide.
 */
export function wavePath(levels: ArrayLike<number>, height: number, { minHalf = 0.5, pad = 1 }: PathOptions = {}): string {
	if (!(height > 0)) return '';
	const mid = height / 2;
	const room = Math.max(0, mid - pad);
	const half = (v: number) => Math.min(mid, Math.max(minHalf, v * room));
	const parts: string[] = [];
	let i = 0;
	while (i < levels.length) {
		if (!(levels[i]! >= 0)) {
			i++;
			continue;
		}
		let j = i;
		while (j + 1 < levels.length && levels[j + 1]! >= 0) j++;
		const top: string[] = [`M${num(i)},${num(mid - half(levels[i]!))}`];
		const bottom: string[] = [];
		for (let c = i; c <= j; c++) {
			const h = half(levels[c]!);
			top.push(`L${num(c + 0.5)},${num(mid - h)}`);
			bottom.push(`L${num(c + 0.5)},${num(mid + h)}`);
		}
		top.push(`L${num(j + 1)},${num(mid - half(levels[j]!))}`, `L${num(j + 1)},${num(mid + half(levels[j]!))}`);
		bottom.reverse().push(`L${num(i)},${num(mid + half(levels[i]!))}`, 'Z');
		parts.push(top.join('') + bottom.join(''));
		i = j + 1;
	}
	return parts.join('');
}

/**
 * Everything a strip `columns` device pixels wide and `height` high needs: the path of the
 * waveform over `spanSeconds` of the timeline from `fromSeconds` (the zoomed view's start),
 * on the perceptual scale relative to the recording's reference peak (`reference`, when the
 * caller already has it: the whole recording's, so that zooming never rescales it).
 */
export function waveformPath(
	w: Waveform,
	columns: number,
	height: number,
	spanSeconds: number,
	options?: PathOptions,
	fromSeconds = 0,
	reference = referencePeak(w.peaks)
): string {
	const levels = Array.from(reducePeaks(w, columns, spanSeconds * 1000, fromSeconds * 1000), (p) => level(p, reference));
	return wavePath(levels, height, options);
}
