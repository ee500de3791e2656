// Settings: which sections a user is offered (from what the server says they may manage,
// `GET /parley/v1/session`'s `can`), the tracker form ↔ the API's tracker body, a
// back-fill job's status in words, and the API-key form. No rule of what is valid lives
// here: the server checks every tracker (the preview answers its 400 before a save).

import type { components } from '$lib/api';

export type SessionCan = components['schemas']['SessionCan'];
export type TrackerWire = components['schemas']['KeywordTrackerWire'];
export type TrackerInput = components['schemas']['TrackerInput'];
export type JobView = components['schemas']['JobView'];

export type SectionId = 'trackers' | 'topics' | 'automation' | 'users' | 'keys' | 'workspaces' | 'jobs' | 'profiles' | 'oauth' | 'crm';

export interface Section {
	id: SectionId;
	label: string;
}

const SECTIONS: { id: SectionId; label: string; allowed: (c: SessionCan) => boolean }[] = [
	{ id: 'trackers', label: 'Trackers', allowed: (c) => c.manageTrackers },
	{ id: 'topics', label: 'Topics', allowed: (c) => c.manageTrackers },
	{ id: 'automation', label: 'Automation', allowed: (c) => c.manageAutomation },
	{ id: 'users', label: 'Users', allowed: (c) => c.manageUsers },
	{ id: 'profiles', label: 'Permission profiles', allowed: (c) => c.manageProfiles },
	{ id: 'keys', label: 'API keys', allowed: (c) => c.manageKeys },
	{ id: 'workspaces', label: 'Workspaces', allowed: (c) => c.manageWorkspaces },
	{ id: 'jobs', label: 'Jobs', allowed: (c) => c.readJobs },
	{ id: 'oauth', label: 'OAuth apps', allowed: (c) => c.manageOAuthApps },
	{ id: 'crm', label: 'CRM connections', allowed: (c) => c.manageCrm }
];

/** The sections this user may use, in page order; none when `can` is unknown. */
export function sectionsFor(can: SessionCan | undefined): Section[] {
	if (!can) return [];
	return SECTIONS.filter((s) => s.allowed(can)).map(({ id, label }) => ({ id, label }));
}

/** The section `?section=` names when the user has it, else their first one. */
export function chosenSection(sections: Section[], asked: string | null): Section | undefined {
	return sections.find((s) => s.id === asked) ?? sections[0];
}

// ---- keywords: "Acme, Globex, \"1,000 seats\"" ↔ ["Acme", "Globex", "1,000 seats"] ----

/** Comma-separated terms; a term holding a comma is written in double quotes (as in
 * Gong's tracker form). Blank terms are dropped; whitespace around a term is trimmed. */
export function parseKeywords(text: string): string[] {
	const out: string[] = [];
	let cur = '';
	let quoted = false;
	for (const ch of text) {
		if (ch === '"') quoted = !quoted;
		else if ((ch === ',' || ch === '\n') && !quoted) {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	out.push(cur);
	return out.map((t) => t.trim()).filter((t) => t !== '');
}

export function formatKeywords(terms: string[]): string {
	return terms.map((t) => (t.includes(',') ? `"${t}"` : t)).join(', ');
}

// ---- the tracker form ----

export interface LanguageRow {
	language: string;
	keywords: string;
	includeRelatedForms: boolean;
}

export interface TrackerDraft {
	name: string;
	workspaceId: string;
	languages: LanguageRow[];
	affiliation: 'Anyone' | 'Company' | 'NonCompany';
	partOfQuestion: boolean;
	saidAt: 'Anytime' | 'First' | 'Last';
	saidAtInterval: string;
	saidAtUnit: 'Minutes' | 'Percent';
	/** Comma-separated topic names. */
	saidInTopics: string;
}

export function emptyDraft(workspaceId = ''): TrackerDraft {
	return {
		name: '',
		workspaceId,
		languages: [{ language: 'eng', keywords: '', includeRelatedForms: false }],
		affiliation: 'Anyone',
		partOfQuestion: false,
		saidAt: 'Anytime',
		saidAtInterval: '5',
		saidAtUnit: 'Minutes',
		saidInTopics: ''
	};
}

export function draftOf(t: TrackerWire): TrackerDraft {
	const affiliation = (['Anyone', 'Company', 'NonCompany'] as const).find((a) => a === t.affiliation) ?? 'Anyone';
	const saidAt = (['Anytime', 'First', 'Last'] as const).find((a) => a === t.saidAt) ?? 'Anytime';
	return {
		name: t.trackerName,
		workspaceId: t.workspaceId,
		languages: t.languageKeywords.length
			? t.languageKeywords.map((k) => ({ language: k.language, keywords: formatKeywords(k.keywords ?? []), includeRelatedForms: !!k.includeRelatedForms }))
			: emptyDraft().languages,
		affiliation,
		partOfQuestion: t.partOfQuestion,
		saidAt,
		saidAtInterval: t.saidAtInterval != null ? String(t.saidAtInterval) : '5',
		saidAtUnit: t.saidAtUnit === 'Percent' ? 'Percent' : 'Minutes',
		saidInTopics: (t.saidInTopics ?? []).join(', ')
	};
}

/** The body of create/update/preview: what the form says, checked by the server. */
export function trackerInput(d: TrackerDraft): TrackerInput {
	const body: TrackerInput = {
		trackerName: d.name,
		languageKeywords: d.languages.map((l) => ({
			language: l.language.trim(),
			keywords: parseKeywords(l.keywords),
			includeRelatedForms: l.includeRelatedForms
		})),
		affiliation: d.affiliation,
		partOfQuestion: d.partOfQuestion,
		saidInTopics: parseKeywords(d.saidInTopics),
		saidAt: d.saidAt
	};
	if (d.workspaceId) body.workspaceId = d.workspaceId;
	if (d.saidAt !== 'Anytime') {
		body.saidAtInterval = d.saidAtInterval.trim();
		body.saidAtUnit = d.saidAtUnit;
	}
	return body;
}

/** "Acme, Globex +3 more" for the list. */
export function keywordSummary(t: TrackerWire, shown = 4): string {
	const all = t.languageKeywords.flatMap((k) => k.keywords ?? []);
	if (all.length <= shown) return all.join(', ');
	return `${all.slice(0, shown).join(', ')} +${all.length - shown} more`;
}

/** Who and when, in words: "Said by the company · in the first 5 minutes · in a question". */
export function trackerFilters(t: TrackerWire): string {
	const parts: string[] = [];
	if (t.affiliation === 'Company') parts.push('said by the company');
	else if (t.affiliation === 'NonCompany') parts.push('said by others');
	if (t.saidAt === 'First' || t.saidAt === 'Last') {
		const unit = t.saidAtUnit === 'Percent' ? '%' : t.saidAtInterval === 1 ? ' minute' : ' minutes';
		parts.push(`in the ${t.saidAt.toLowerCase()} ${t.saidAtInterval}${unit}`);
	}
	if (t.partOfQuestion) parts.push('in a question');
	if (t.saidInTopics?.length) parts.push(`in ${t.saidInTopics.join(', ')}`);
	if (!parts.length) return 'Anyone, any time';
	const s = parts.join(' · ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---- a back-fill job ----

export interface JobStatus {
	label: string;
	/** 0–100 while it runs (null when the server gives no progress). */
	percent: number | null;
	/** done or failed: stop watching. */
	final: boolean;
	failed: boolean;
}

export function backfillStatus(job: Pick<JobView, 'state' | 'progress' | 'error'>): JobStatus {
	switch (job.state) {
		case 'queued':
			return { label: 'Back-fill queued: waiting for a worker', percent: 0, final: false, failed: false };
		case 'running': {
			const p = typeof job.progress === 'number' ? Math.max(0, Math.min(100, Math.round(job.progress * 100))) : null;
			return { label: p == null ? 'Back-filling past calls' : `Back-filling past calls: ${p}%`, percent: p, final: false, failed: false };
		}
		case 'done':
			return { label: 'Back-filled: every past call is up to date', percent: 100, final: true, failed: false };
		case 'failed':
			return { label: `The back-fill failed${job.error ? `: ${job.error}` : ''}`, percent: null, final: true, failed: true };
		default:
			return { label: `Back-fill ${job.state}`, percent: null, final: false, failed: false };
	}
}

/** Watching a job: 1 s, then ×1.5 up to 15 s apart; gives up after `limitMs`. */
export function nextPoll(previousMs: number | undefined): number {
	if (previousMs === undefined) return 1000;
	return Math.min(15_000, Math.round(previousMs * 1.5));
}

/** "0:04" from milliseconds, for snippets. */
export function snippetTime(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = String(s % 60).padStart(2, '0');
	return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

// ---- API keys ----

export type KeyView = components['schemas']['ApiKeyView'];

export interface KeyDraft {
	name: string;
	/** `full`, `read-only`, or Gong scope strings separated by spaces. */
	scopes: string;
	workspaceId: string;
	ownerUserId: string;
}

export function keyBody(d: KeyDraft): components['schemas']['NewApiKey'] {
	const body: components['schemas']['NewApiKey'] = { name: d.name.trim(), scopes: d.scopes.trim() || 'full' };
	if (d.workspaceId) body.workspaceId = d.workspaceId;
	if (d.ownerUserId) body.ownerUserId = d.ownerUserId;
	return body;
}

/** Active keys first (newest first), revoked ones after. */
export function sortKeys(keys: KeyView[]): KeyView[] {
	return [...keys].sort((a, b) => Number(!!a.revoked) - Number(!!b.revoked) || b.created.localeCompare(a.created));
}
