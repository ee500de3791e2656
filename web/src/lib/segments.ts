// Transcript ↔ player sync: the transcript is flattened into segments (one per sentence)
// sorted by start, their starts kept in a Float64Array, and the segment playing at a media
// time is found by binary search (O(log n) per animation frame, even for a 1-hour call).

import type { components } from './api/schema';
import type { Word } from './words';

type TimedMonologue = components['schemas']['TimedMonologue'];
type PartyWire = components['schemas']['PartyWire'];

/**
 * Index of the segment playing at time `t`: the last segment whose start is at or before
 * `t` (a segment owns [its start, the next one's start), so a start itself belongs to the
 * segment it opens). -1 before the first start, for an empty list, or for a `t` that is
 * not a number. `startsSorted` must be ascending; equal starts resolve to the last one.
 */
export function segmentAt(startsSorted: Float64Array, t: number): number {
	const n = startsSorted.length;
	if (n === 0 || Number.isNaN(t) || t < startsSorted[0]!) return -1;
	let lo = 0;
	let hi = n - 1;
	// Invariant: startsSorted[lo] <= t; the answer is in [lo, hi].
	while (lo < hi) {
		const mid = (lo + hi + 1) >>> 1;
		if (startsSorted[mid]! <= t) lo = mid;
		else hi = mid - 1;
	}
	return lo;
}

export interface Segment {
	speakerId: string;
	/** Seconds from the start of the media. */
	start: number;
	end: number;
	text: string;
	/** The sentence's words with their times in seconds, when the transcript has them. */
	words?: Word[];
}

/** The API's monologues (times in ms) as sentence segments in seconds, sorted by start. */
export function flattenTranscript(monologues: readonly TimedMonologue[]): Segment[] {
	const out: Segment[] = [];
	for (const m of monologues) {
		for (const s of m.sentences) {
			const words = (s.words ?? []).map((w) => ({ start: w.start / 1000, end: w.end / 1000, text: w.text }));
			words.sort((a, b) => a.start - b.start);
			out.push({ speakerId: m.speakerId, start: s.start / 1000, end: s.end / 1000, text: s.text, words });
		}
	}
	// Stable sort: sentences of one monologue keep their order when starts tie.
	out.sort((a, b) => a.start - b.start);
	return out;
}

export function startsOf(segments: readonly Segment[]): Float64Array {
	const a = new Float64Array(segments.length);
	segments.forEach((s, i) => (a[i] = s.start));
	return a;
}

export interface SpeakerLabel {
	name: string;
	/** 'Internal' (company), 'External' (customer, prospect, partner) or 'Unknown'. */
	affiliation: string;
}

/**
 * A label for every speaker of the transcript: the party's name (or e-mail) when a party
 * carries that speakerId, else "Speaker N" numbered in order of first appearance.
 */
export function speakerLabels(
	parties: readonly PartyWire[],
	segments: readonly Segment[]
): Map<string, SpeakerLabel> {
	const labels = new Map<string, SpeakerLabel>();
	for (const p of parties) {
		if (!p.speakerId) continue;
		const name = p.name?.trim() || p.emailAddress?.trim() || p.phoneNumber?.trim();
		if (name) labels.set(p.speakerId, { name, affiliation: p.affiliation });
	}
	let n = 0;
	for (const s of segments) {
		if (!labels.has(s.speakerId)) labels.set(s.speakerId, { name: `Speaker ${++n}`, affiliation: 'Unknown' });
	}
	return labels;
}

/** A side in words: a party's or speaker label's affiliation. */
export function sideOf(affiliation: string | undefined): string {
	return affiliation === 'Internal' ? 'Company' : affiliation === 'External' ? 'Non-company' : 'Side unknown';
}
