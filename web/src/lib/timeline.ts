// Layout of the call page's timeline: one lane per speaker with their turns as bars, and
// rows of markers (tracker occurrences) and spans (topics), all as percentages of the
// timeline's duration so that CSS places them and a click's x maps straight back to a
// time. Pure functions: unit-tested in timeline.test.ts.

import type { Segment, SpeakerLabel } from './segments';

/** A stretch of the timeline, in seconds and as CSS percentages of its width. */
export interface Span {
	start: number;
	end: number;
	/** 0–100. */
	left: number;
	/** 0–100, at least `minWidth` so that a short turn stays visible and clickable. */
	width: number;
}

export interface Lane {
	speakerId: string;
	name: string;
	/** 'Internal' (company), 'External' (non-company) or 'Unknown'. */
	affiliation: string;
	/** Seconds this speaker talked. */
	talk: number;
	/** Share of everyone's talk time, 0–1 (0 when nobody talked). */
	share: number;
	bars: Span[];
}

export interface Marker {
	/** Seconds. */
	at: number;
	/** 0–100. */
	left: number;
	label: string;
	speakerId?: string;
}

export interface TopicSpan extends Span {
	name: string;
}

export interface LayoutOptions {
	/** Sentences of one speaker closer than this (seconds) are drawn as one turn. */
	mergeGap?: number;
	/** Smallest bar width, in percent of the timeline. */
	minWidth?: number;
}

/** `t` as a percentage of `duration`, clamped to 0–100; 0 for a duration that is not positive. */
export function percent(t: number, duration: number): number {
	if (!(duration > 0) || !Number.isFinite(t)) return 0;
	return Math.min(100, Math.max(0, (t / duration) * 100));
}

/** The time at a fraction (0–1) of the timeline, clamped to [0, duration]. */
export function timeAt(fraction: number, duration: number): number {
	if (!(duration > 0) || Number.isNaN(fraction)) return 0;
	return Math.min(duration, Math.max(0, fraction * duration));
}

/**
 * The duration the timeline spans: the media's when the player knows it, else the call's
 * (from its metadata), else the end of the last sentence. Never below the last sentence's
 * end when there is no media duration, so that every turn fits.
 */
export function timelineDuration(mediaDuration: number | undefined, callDuration: number | undefined, segments: readonly Segment[]): number {
	if (mediaDuration !== undefined && Number.isFinite(mediaDuration) && mediaDuration > 0) return mediaDuration;
	const lastEnd = segments.reduce((m, s) => Math.max(m, s.end), 0);
	const call = callDuration !== undefined && Number.isFinite(callDuration) && callDuration > 0 ? callDuration : 0;
	return Math.max(call, lastEnd);
}

/** A span from `start` to `end` seconds, clamped to the timeline, with a minimum width. */
export function spanOf(start: number, end: number, duration: number, minWidth = 0): Span {
	const s = Math.min(Math.max(0, start), duration);
	const e = Math.min(Math.max(s, end), duration);
	const left = percent(s, duration);
	let width = Math.max(percent(e, duration) - left, minWidth);
	// A minimum-width bar at the very end grows to the left instead of past 100%.
	const shifted = Math.min(left, 100 - width);
	width = Math.min(width, 100);
	return { start: s, end: e, left: Math.max(0, shifted), width };
}

/** Sorted, merged [start, end] intervals: overlapping or closer than `gap` become one. */
export function mergeIntervals(intervals: readonly (readonly [number, number])[], gap: number): [number, number][] {
	const sorted = intervals
		.filter(([s, e]) => Number.isFinite(s) && Number.isFinite(e) && e >= s)
		.map(([s, e]) => [s, e] as [number, number])
		.sort((a, b) => a[0] - b[0]);
	const out: [number, number][] = [];
	for (const [s, e] of sorted) {
		const last = out.at(-1);
		if (last && s - last[1] <= gap) last[1] = Math.max(last[1], e);
		else out.push([s, e]);
	}
	return out;
}

const SIDE_ORDER: Record<string, number> = { Internal: 0, External: 1 };

/**
 * One lane per speaker of the transcript: company speakers first, then non-company, then
 * unknown, each group in order of first appearance. A lane's bars are its sentences merged
 * into turns (sentences of that speaker less than `mergeGap` apart); turns that start at or
 * past the end of the timeline are not drawn. `talk` is the server's
 * figure from `talkSeconds` when it has one for every lane (shares of mixed sources would
 * not add up), else the length of the speaker's sentences, overlaps counted once.
 */
export function buildLanes(
	segments: readonly Segment[],
	labels: ReadonlyMap<string, SpeakerLabel>,
	duration: number,
	talkSeconds: ReadonlyMap<string, number> = new Map(),
	{ mergeGap = 1.5, minWidth = 0.4 }: LayoutOptions = {}
): Lane[] {
	const bySpeaker = new Map<string, [number, number][]>();
	for (const s of segments) {
		let list = bySpeaker.get(s.speakerId);
		if (!list) bySpeaker.set(s.speakerId, (list = []));
		list.push([s.start, s.end]);
	}
	const lanes: Lane[] = [];
	for (const [speakerId, intervals] of bySpeaker) {
		// Overlaps within a voice count once (merge with gap 0), as the server counts talk.
		const spoken = mergeIntervals(intervals, 0).reduce((sum, [s, e]) => sum + (e - s), 0);
		const label = labels.get(speakerId);
		lanes.push({
			speakerId,
			name: label?.name ?? speakerId,
			affiliation: label?.affiliation ?? 'Unknown',
			talk: spoken,
			share: 0,
			bars: mergeIntervals(intervals, mergeGap)
				.filter(([s]) => s < duration)
				.map(([s, e]) => spanOf(s, e, duration, minWidth))
		});
	}
	if (lanes.length && lanes.every((l) => talkSeconds.has(l.speakerId))) {
		for (const l of lanes) l.talk = talkSeconds.get(l.speakerId)!;
	}
	const total = lanes.reduce((sum, l) => sum + l.talk, 0);
	for (const l of lanes) l.share = total > 0 ? l.talk / total : 0;
	// Array.prototype.sort is stable: first appearance is kept within a side.
	return lanes.sort((a, b) => (SIDE_ORDER[a.affiliation] ?? 2) - (SIDE_ORDER[b.affiliation] ?? 2));
}

interface TrackerLike {
	name: string;
	occurrences?: readonly { startTime: number; speakerId: string }[] | null;
}

/**
 * One marker per tracker occurrence (times in seconds, as `/v2/calls/extensive` gives
 * them), sorted by time. An occurrence before 0 is put at 0; one past the end of the
 * timeline (a recording shorter than its transcript) cannot be played and is left out,
 * as are times that are not finite numbers.
 */
export function trackerMarkers(trackers: readonly TrackerLike[] | null | undefined, duration: number): Marker[] {
	const out: Marker[] = [];
	for (const t of trackers ?? []) {
		for (const o of t.occurrences ?? []) {
			if (!Number.isFinite(o.startTime) || !(duration > 0) || o.startTime > duration) continue;
			const at = Math.max(0, o.startTime);
			out.push({ at, left: percent(at, duration), label: t.name, speakerId: o.speakerId });
		}
	}
	return out.sort((a, b) => a.at - b.at || a.label.localeCompare(b.label));
}

interface MonologueLike {
	topic?: string | null;
	sentences: readonly { start: number; end: number }[];
}

/**
 * Topic spans from the transcript's monologues (each carries the topic it was said under;
 * times in ms): consecutive monologues of one topic become one span, from the first
 * sentence's start to the last one's end. Monologues without a topic end a span. Spans
 * that start at or past the end of the timeline are left out.
 */
export function topicSpans(monologues: readonly MonologueLike[], duration: number): TopicSpan[] {
	const runs: { name: string; start: number; end: number }[] = [];
	let open: { name: string; start: number; end: number } | undefined;
	const sorted = monologues
		.filter((m) => m.sentences.length > 0)
		.map((m) => ({
			topic: m.topic?.trim() || undefined,
			start: Math.min(...m.sentences.map((s) => s.start)) / 1000,
			end: Math.max(...m.sentences.map((s) => s.end)) / 1000
		}))
		.filter((m) => Number.isFinite(m.start) && Number.isFinite(m.end))
		.sort((a, b) => a.start - b.start);
	for (const m of sorted) {
		if (m.topic && open?.name === m.topic) {
			open.end = Math.max(open.end, m.end);
			continue;
		}
		open = m.topic ? { name: m.topic, start: m.start, end: m.end } : undefined;
		if (open) runs.push(open);
	}
	return runs.filter((r) => r.start < duration).map((r) => ({ name: r.name, ...spanOf(r.start, r.end, duration, 0.4) }));
}
