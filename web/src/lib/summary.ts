// What the call page's side panel shows of `/v2/calls/extensive`'s `content` and
// `interaction` blocks: the values as the server computed them, only formatted here (no
// figure is computed in the browser). Anything missing, null or empty gives nothing.
// Pure functions: unit-tested in summary.test.ts.

import type { components } from './api/schema';
import { formatDuration } from './time';

type Content = components['schemas']['Content'];
type Interaction = components['schemas']['Interaction'];
type PartyWire = components['schemas']['PartyWire'];

/** A line of the panel, linked to its moment (seconds) when it has one. */
export interface Moment {
	text: string;
	at?: number;
	/** Who said it, when known. */
	speaker?: string;
}

export interface Stat {
	name: string;
	value: string;
	/** What it means, for a title/tooltip and screen readers. */
	hint: string;
	/** The server's name of an interaction stat ("Talk Ratio"), and its value: what the team's
	 * averages are matched by. Not on the question counts. */
	stat?: string;
	raw?: number;
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

const STATS: Record<string, { label: string; show: (v: number) => string; hint: string }> = {
	'Talk Ratio': {
		label: 'Talk ratio',
		show: (v) => `${Math.round(v * 100)}%`,
		hint: "the rep's share of the talk time"
	},
	'Longest Monologue': {
		label: 'Longest monologue',
		show: (v) => formatDuration(v),
		hint: 'the longest stretch the rep talked without a pause for the other side'
	},
	'Longest Customer Story': {
		label: 'Longest customer story',
		show: (v) => formatDuration(v),
		hint: 'the longest stretch a customer talked'
	},
	Interactivity: {
		label: 'Interactivity',
		show: (v) => `${v.toFixed(1)} / 10`,
		hint: 'how often the speaker changes (0–10)'
	},
	Patience: {
		label: 'Patience',
		show: (v) => `${v.toFixed(1)} s`,
		hint: 'the mean pause before the rep answers the customer'
	},
	'Question Rate': {
		label: 'Question rate',
		show: (v) => `${v.toFixed(1)} / h`,
		hint: 'questions the rep asked per hour'
	}
};

/** A value of the interaction stat the server calls `name`, formatted as the panel shows it. */
export function formatStat(name: string, value: number): string {
	const known = STATS[name];
	return known ? known.show(value) : String(Math.round(value * 100) / 100);
}

/** The host's interaction stats in the server's order, formatted; unknown names kept as they are. */
export function statRows(interaction: Interaction | null | undefined): Stat[] {
	const rows: Stat[] = [];
	for (const s of interaction?.interactionStats ?? []) {
		if (!finite(s.value)) continue;
		const known = STATS[s.name];
		rows.push({
			name: known?.label ?? s.name,
			value: formatStat(s.name, s.value),
			hint: known?.hint ?? s.name,
			stat: s.name,
			raw: s.value
		});
	}
	const q = interaction?.questions;
	if (q && finite(q.companyCount) && finite(q.nonCompanyCount)) {
		rows.push({
			name: 'Questions',
			value: `${q.companyCount} company · ${q.nonCompanyCount} non-company`,
			hint: 'questions asked by each side'
		});
	}
	return rows;
}

/** The speaker label of a speaker id, through the party that carries it. */
export type SpeakerName = (speakerId: string) => string | undefined;

/** Next steps: the `pointsOfInterest.actionItems`, each at its snippet's start. */
export function nextSteps(content: Content | null | undefined, speaker: SpeakerName = () => undefined): Moment[] {
	return (content?.pointsOfInterest?.actionItems ?? [])
		.filter((a) => a.snippet?.trim())
		.map((a) => ({
			text: a.snippet.trim(),
			at: finite(a.snippetStartTime) ? a.snippetStartTime : undefined,
			speaker: a.speakerID ? speaker(a.speakerID) : undefined
		}));
}

export interface MomentGroup {
	title: string;
	at?: number;
	items: Moment[];
}

/** Highlights: sections of items; an item with several start times is listed once per time. */
export function highlightGroups(content: Content | null | undefined): MomentGroup[] {
	return (content?.highlights ?? [])
		.map((h) => ({
			title: h.title,
			items: h.items.flatMap((it) => {
				const times = (it.startTimes ?? []).filter(finite);
				return times.length ? times.map((at) => ({ text: it.text, at })) : [{ text: it.text }];
			})
		}))
		.filter((g) => g.items.length > 0);
}

/** The outline: sections at their start, with their items. */
export function outlineGroups(content: Content | null | undefined): MomentGroup[] {
	return (content?.outline ?? []).map((o) => ({
		title: o.section,
		at: finite(o.startTime) ? o.startTime : undefined,
		items: o.items.map((it) => ({ text: it.text, at: finite(it.startTime) ? it.startTime : undefined }))
	}));
}

/** Key points (they carry no time in the API). */
export function keyPoints(content: Content | null | undefined): Moment[] {
	return (content?.keyPoints ?? []).filter((k) => k.text?.trim()).map((k) => ({ text: k.text.trim() }));
}

export interface TrackerRow {
	name: string;
	count: number;
	/** Seconds of each occurrence, ascending. */
	times: number[];
}

/** Trackers that fired (count > 0), most frequent first. */
export function trackerRows(content: Content | null | undefined): TrackerRow[] {
	return (content?.trackers ?? [])
		.filter((t) => t.count > 0)
		.map((t) => ({
			name: t.name,
			count: t.count,
			times: (t.occurrences ?? []).map((o) => o.startTime).filter(finite).sort((a, b) => a - b)
		}))
		.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** speakerId → the talk time (seconds) the server gives for the party with that speaker. */
export function talkBySpeaker(interaction: Interaction | null | undefined, parties: readonly PartyWire[]): Map<string, number> {
	const out = new Map<string, number>();
	for (const s of interaction?.speakers ?? []) {
		const party = parties.find((p) => p.id === s.id);
		if (party?.speakerId && finite(s.talkTime)) out.set(party.speakerId, s.talkTime);
	}
	return out;
}

/** Whether the panel has anything at all to show. */
export function hasSummary(content: Content | null | undefined, interaction: Interaction | null | undefined): boolean {
	return Boolean(
		content?.brief?.trim() ||
			content?.callOutcome ||
			keyPoints(content).length ||
			nextSteps(content).length ||
			highlightGroups(content).length ||
			outlineGroups(content).length ||
			trackerRows(content).length ||
			(content?.topics ?? []).length ||
			statRows(interaction).length
	);
}
