// The call page's keyboard shortcuts: Space play/pause, ←/→ 5 s back/forward, j/k the
// previous/next sentence. Pure functions: unit-tested in keys.test.ts.

import { segmentAt } from './segments';

export type Shortcut = 'toggle' | 'back' | 'forward' | 'previous' | 'next';

export const STEP_SECONDS = 5;

/** What a keydown's target is, as far as shortcuts care. */
export interface KeyTarget {
	tagName: string;
	/** `type` of an <input>. */
	type?: string;
	isContentEditable?: boolean;
	/** A button that only seeks (timestamps, markers): Space there plays/pauses instead. */
	seeks?: boolean;
}

export interface KeyLike {
	key: string;
	ctrlKey?: boolean;
	metaKey?: boolean;
	altKey?: boolean;
	shiftKey?: boolean;
	repeat?: boolean;
}

const TEXT_INPUTS = new Set(['', 'text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'month', 'time', 'week']);

/** Whether keys typed at this target are text (or drive a control of their own). */
export function typingAt(t: KeyTarget): boolean {
	const tag = t.tagName.toUpperCase();
	if (t.isContentEditable) return true;
	if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
	if (tag === 'INPUT') return TEXT_INPUTS.has((t.type ?? '').toLowerCase()) || t.type === 'range';
	return false;
}

/**
 * The shortcut a key press means, or undefined to leave it to the browser: nothing while
 * typing, nothing with Ctrl/Meta/Alt, arrows and Space not on the <audio> element (its
 * own controls handle them), and Space not on a button or link that does something else
 * than seek (Space activates those).
 */
export function shortcutOf(e: KeyLike, target: KeyTarget): Shortcut | undefined {
	if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
	if (typingAt(target)) return undefined;
	const tag = target.tagName.toUpperCase();
	// A radio group's arrows move its choice (the speaker dialog, a scorecard's scale).
	const media = tag === 'AUDIO' || tag === 'VIDEO' || (tag === 'INPUT' && target.type?.toLowerCase() === 'radio');
	switch (e.key) {
		case ' ':
		case 'Spacebar':
			if (media) return undefined;
			if ((tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY' || tag === 'INPUT') && !target.seeks) return undefined;
			return e.repeat ? undefined : 'toggle';
		case 'ArrowLeft':
			return media || e.shiftKey ? undefined : 'back';
		case 'ArrowRight':
			return media || e.shiftKey ? undefined : 'forward';
		case 'j':
			return e.shiftKey ? undefined : 'previous';
		case 'k':
			return e.shiftKey ? undefined : 'next';
		default:
			return undefined;
	}
}

/**
 * The start of the sentence before (`-1`) or after (`+1`) the one playing at `t`.
 * "Previous" from a little way into a sentence goes back to its own start first (as a
 * player's "previous track" does); before the first sentence "next" is the first one.
 * Undefined when there is none that way.
 */
export function sentenceStep(startsSorted: Float64Array, t: number, dir: -1 | 1, grace = 1): number | undefined {
	const n = startsSorted.length;
	if (n === 0) return undefined;
	const i = segmentAt(startsSorted, t);
	if (dir === 1) {
		// Skip over sentences that start at the same time as the current one.
		let j = i + 1;
		while (j < n && i >= 0 && startsSorted[j]! <= startsSorted[i]!) j++;
		return j < n ? startsSorted[j] : undefined;
	}
	if (i < 0) return undefined;
	if (t - startsSorted[i]! > grace) return startsSorted[i];
	let j = i - 1;
	while (j >= 0 && startsSorted[j]! >= startsSorted[i]!) j--;
	return j >= 0 ? startsSorted[j] : startsSorted[i];
}
