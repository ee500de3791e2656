// A transcript hit of the calls search (`transcriptMatch` of GET /parley/v1/calls): the
// sentence cut into pieces with the searched words marked, its time, and the link that
// opens the call there. Pure functions: unit-tested in transcriptMatch.test.ts.
//
// The server matches the search as a phrase of words (in that order, the last one as a
// prefix), so the sentence is marked the same way: the words of the search, whatever
// stands between them in the sentence (a comma, a dash), the last one to the end of the
// word it begins. When the phrase cannot be found as such (the server may normalise words
// in ways this does not know), each word of the search is marked where a word of the
// sentence begins with it; when none is, nothing is marked.

import { formatDuration } from './time';

/** A piece of the sentence, to be shown as text (never as HTML), marked or not. */
export interface Piece {
	text: string;
	mark: boolean;
}

const WORD = String.raw`[\p{L}\p{N}]`;
const NOT_WORD = String.raw`[^\p{L}\p{N}]`;

/** The words of a search: runs of letters and digits (anything else separates them). */
export function searchWords(q: string | null | undefined): string[] {
	return (q ?? '').split(new RegExp(`${NOT_WORD}+`, 'u')).filter(Boolean);
}

/** `s` with every character a regular expression gives a meaning to escaped. */
export function escapeRegExp(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** [start, end) of each match of `re` (global) in `text`. */
function ranges(re: RegExp, text: string): [number, number][] {
	const out: [number, number][] = [];
	for (const m of text.matchAll(re)) if (m[0]) out.push([m.index, m.index + m[0].length]);
	return out;
}

/** Overlapping or touching ranges made one, in order. */
function merge(rs: [number, number][]): [number, number][] {
	const sorted = [...rs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	const out: [number, number][] = [];
	for (const [s, e] of sorted) {
		const last = out.at(-1);
		if (last && s <= last[1]) last[1] = Math.max(last[1], e);
		else out.push([s, e]);
	}
	return out;
}

/**
 * `text` in pieces, the searched words marked (case-insensitive): the phrase where it is
 * found, else each word at the start of a word. Joined, the pieces are `text` again.
 */
export function highlight(text: string, q: string | null | undefined): Piece[] {
	if (!text) return [];
	const words = searchWords(q);
	let found: [number, number][] = [];
	if (words.length) {
		const start = `(?<!${WORD})`;
		const phrase = new RegExp(`${start}${words.map(escapeRegExp).join(`${NOT_WORD}+`)}${WORD}*`, 'giu');
		found = ranges(phrase, text);
		if (!found.length) found = merge(words.flatMap((w) => ranges(new RegExp(`${start}${escapeRegExp(w)}${WORD}*`, 'giu'), text)));
	}
	const pieces: Piece[] = [];
	let at = 0;
	for (const [s, e] of found) {
		if (s > at) pieces.push({ text: text.slice(at, s), mark: false });
		pieces.push({ text: text.slice(s, e), mark: true });
		at = e;
	}
	if (at < text.length) pieces.push({ text: text.slice(at), mark: false });
	return pieces;
}

/** Seconds for `?t=` (the call page's `parseTimeParam` reads plain seconds): `10.4`, `83`, `0`. */
export function timeParamOf(startMs: number): string {
	const ms = Number.isFinite(startMs) && startMs > 0 ? Math.round(startMs) : 0;
	return String(ms / 1000);
}

/** The call page at the moment: `/calls/{id}?t=<seconds>`. */
export function matchHref(callId: string, startMs: number): string {
	return `/calls/${encodeURIComponent(callId)}?t=${timeParamOf(startMs)}`;
}

/** The moment as people read it: `m:ss`, or `h:mm:ss` from an hour on. */
export function matchTime(startMs: number): string {
	return formatDuration(Number.isFinite(startMs) ? startMs / 1000 : 0);
}
