// Word-level playback: the word being spoken at a media time, within one sentence.
// Only the playing sentence's words are searched (binary search over its word starts),
// so a frame costs O(log words of one sentence) however long the call is.

export interface Word {
	/** Seconds from the start of the media. */
	start: number;
	end: number;
	text: string;
}

/** How long a word stays highlighted past its end when the next one has not started:
 * ASR word timings leave small gaps between words, and a highlight that blinks off
 * between every two words is harder to follow than one that waits. */
export const WORD_HOLD_SECONDS = 0.25;

/**
 * Index of the word spoken at `t` among `words` (sorted by start): the last word whose
 * start is at or before `t`, while `t` is before its end (plus `hold`). -1 before the first
 * word, in a pause longer than `hold`, after the last word, for no words or a `t` that is
 * not a number.
 */
export function wordAt(words: readonly Word[], t: number, hold = WORD_HOLD_SECONDS): number {
	const n = words.length;
	if (n === 0 || Number.isNaN(t) || t < words[0]!.start) return -1;
	let lo = 0;
	let hi = n - 1;
	while (lo < hi) {
		const mid = (lo + hi + 1) >>> 1;
		if (words[mid]!.start <= t) lo = mid;
		else hi = mid - 1;
	}
	const w = words[lo]!;
	return t < Math.max(w.end, w.start) + hold ? lo : -1;
}

/** The word index a clicked element stands for (`data-w` on the word's span), if any. */
export function wordIndexOf(el: Element | null): { segment: number; word: number } | undefined {
	const span = el?.closest?.('[data-w]');
	if (!span) return undefined;
	const [s, w] = (span.getAttribute('data-w') ?? '').split(':').map(Number);
	if (!Number.isInteger(s) || !Number.isInteger(w)) return undefined;
	return { segment: s!, word: w! };
}
