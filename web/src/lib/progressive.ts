// A long transcript is rendered progressively: first the rows around the moment the page
// opens at (the top, or a `?t=` deep link far down), then, in idle time, a chunk at a time
// until every row exists (so the browser's find-in-page and any word click work on the whole
// call within a second or two). The rows on screen are one contiguous window [lo, hi) of the
// sentences; it grows downwards first (where a reader goes next), then upwards. Chunks are
// measured in "weight" (about one unit per DOM node a row makes: its words), not rows, so a
// chunk of long sentences costs what a chunk of short ones does.
// Pure functions: unit-tested in progressive.test.ts.

/** From how many rows a transcript's rows out of view skip layout and paint
 * (`content-visibility: auto`): a 20-minute call has ≈300 sentences. */
export const LONG_TRANSCRIPT = 200;

/** Rows [lo, hi) of the transcript are rendered. */
export interface RowWindow {
	lo: number;
	hi: number;
}

/** The first window's weight: a screen of rows and then some (≈20 sentences of a call). */
export const FIRST_WEIGHT = 300;
/** One idle chunk's weight: ≈40 sentences, 20-30 ms of rendering on this 2-core machine. */
export const CHUNK_WEIGHT = 500;
/** Rows rendered above the anchor in the first window (the followed row sits a third down). */
export const FIRST_BEFORE = 6;

/** What a row costs to render: its words' spans, or its text's would-be words, plus the row. */
export function rowWeight(row: { text: string; words?: readonly unknown[] }): number {
	const words = row.words?.length ? row.words.length : Math.ceil(row.text.length / 6);
	return 4 + words;
}

/**
 * The first window: from `before` rows above `anchor` (clamped to the rows there are; a
 * negative anchor is the top) down until `budget` weight is reached, always including the
 * anchor itself.
 */
export function firstWindow(weights: ArrayLike<number>, anchor: number, budget = FIRST_WEIGHT, before = FIRST_BEFORE): RowWindow {
	const n = weights.length;
	if (n === 0) return { lo: 0, hi: 0 };
	const a = Math.min(n - 1, Math.max(0, anchor));
	const lo = Math.max(0, a - before);
	let hi = lo;
	let sum = 0;
	while (hi < n && (hi <= a || sum < budget)) sum += weights[hi++]!;
	return { lo, hi };
}

/** Whether every row is rendered. */
export function complete(w: RowWindow, n: number): boolean {
	return w.lo <= 0 && w.hi >= n;
}

/**
 * The window after one more chunk: `budget` weight of rows below it while there are any
 * (at least one row), then above it. The same window when it is complete.
 */
export function grow(w: RowWindow, weights: ArrayLike<number>, budget = CHUNK_WEIGHT): RowWindow {
	const n = weights.length;
	let { lo, hi } = w;
	if (hi < n) {
		let sum = 0;
		do sum += weights[hi++]!;
		while (hi < n && sum < budget);
		return { lo, hi };
	}
	if (lo > 0) {
		let sum = 0;
		do sum += weights[--lo]!;
		while (lo > 0 && sum < budget);
		return { lo, hi };
	}
	return w;
}

/**
 * The window with row `i` (and `margin` rows either side of it) rendered: a seek or a key
 * may land outside the window before it is complete; the rows in between come at once.
 */
export function include(w: RowWindow, i: number, n: number, margin = FIRST_BEFORE): RowWindow {
	if (i < 0 || i >= n) return w;
	const lo = Math.min(w.lo, Math.max(0, i - margin));
	const hi = Math.max(w.hi, Math.min(n, i + margin + 1));
	return lo === w.lo && hi === w.hi ? w : { lo, hi };
}

/** The row indexes of a window, in order. */
export function rowsOf(w: RowWindow): number[] {
	const out = new Array<number>(Math.max(0, w.hi - w.lo));
	for (let k = 0; k < out.length; k++) out[k] = w.lo + k;
	return out;
}
