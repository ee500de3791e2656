// Settings › Automation's rule form: a rule as the form holds it (strings and lists, as
// the controls give them), read from a rule to edit it, and the body of
// `POST /parley/v1/automation/rules` / `PUT …/{id}` built from it, the empty conditions
// left out. What a rule may hold (a name, at least one action, a webhook's URL, a CRM
// connector of the rule's workspace, min ≤ max…) is the server's to say: its 400 names
// the field, and the page shows it next to the form.

import type { components } from './api/schema';
import { formatKeywords, parseKeywords } from './settings';

type Schemas = components['schemas'];
export type RuleView = Schemas['RuleView'];
export type RuleFilter = Schemas['RuleCallFilter'];
export type Direction = Schemas['RuleDirection'];
export type CallScope = Schemas['RuleCallScope'];
export type WebhookAuth = Schemas['RuleWebhookAuth'];
export type ActionInput = Schemas['RuleActionInput'];

/** The body sent. The generated `RuleBody` requires every condition of the filter (the
 * generator makes fields with a default required); the server takes any of them, and
 * this sends only those given. */
export type RuleBodyOut = Omit<Schemas['RuleBody'], 'filter'> & { filter: Partial<RuleFilter> };

export const DIRECTIONS: readonly Direction[] = ['Inbound', 'Outbound', 'Conference', 'Unknown'];
export const SCOPES: readonly CallScope[] = ['Internal', 'External', 'Unknown'];
export const CRM_OBJECT_TYPES = ['Opportunity', 'Deal'] as const;

/** A number input's value as Svelte binds it: a number, null when empty, or text. */
export type NumberField = number | string | null | undefined;

export interface TrackerRow {
	trackerId: string;
	minCount: NumberField;
}

export interface WebhookDraft {
	type: 'Webhook';
	url: string;
	auth: WebhookAuth;
}

export interface CrmDraft {
	type: 'CrmField';
	/** `id:<trackerId>`, `name:<tracker name>` (a rule made with a name keeps it), or '' for none chosen. */
	tracker: string;
	objectType: string;
	field: string;
	mergeWithCurrent: boolean;
	connectorId: string;
}

export type ActionDraft = WebhookDraft | CrmDraft;

export interface RuleDraft {
	name: string;
	/** '' for the default workspace (sent on create only: a rule keeps its workspace). */
	workspaceId: string;
	enabled: boolean;
	applyToPastCalls: boolean;
	directions: Direction[];
	scopes: CallScope[];
	externalParticipants: 'any' | 'yes' | 'no';
	/** Comma-separated. */
	participantDomains: string;
	primaryUsers: string[];
	teams: string[];
	/** Minutes. */
	minDurationMin: NumberField;
	maxDurationMin: NumberField;
	trackers: TrackerRow[];
	/** Comma-separated (a term with a comma in double quotes). */
	topics: string;
	titleWords: string;
	crmOn: boolean;
	crmObjectType: string;
	crmField: string;
	crmValue: string;
	/** The value as the rule held it (a number, a boolean…): sent back as it was while its text is unchanged. */
	crmValueRaw?: unknown;
	actions: ActionDraft[];
}

export const newWebhook = (): WebhookDraft => ({ type: 'Webhook', url: '', auth: 'Jwt' });
export const newCrmAction = (): CrmDraft => ({ type: 'CrmField', tracker: '', objectType: 'Opportunity', field: '', mergeWithCurrent: false, connectorId: '' });

export function emptyRuleDraft(workspaceId = ''): RuleDraft {
	return {
		name: '',
		workspaceId,
		enabled: true,
		applyToPastCalls: false,
		directions: [],
		scopes: [],
		externalParticipants: 'any',
		participantDomains: '',
		primaryUsers: [],
		teams: [],
		minDurationMin: null,
		maxDurationMin: null,
		trackers: [],
		topics: '',
		titleWords: '',
		crmOn: false,
		crmObjectType: '',
		crmField: '',
		crmValue: '',
		actions: [newWebhook()]
	};
}

/** A CRM condition's value as text in the form. */
export function valueText(v: unknown): string {
	if (v == null) return '';
	return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A CRM field action's tracker as the form's choice (`id:…` or `name:…`). */
export function trackerChoice(t: unknown): string {
	if (typeof t === 'string') return t.trim() ? `name:${t}` : '';
	if (t && typeof t === 'object' && 'id' in t && (t as { id: unknown }).id != null) return `id:${String((t as { id: unknown }).id)}`;
	return '';
}

function trackerBody(choice: string): Schemas['TrackerBody'] {
	if (choice.startsWith('id:')) return { id: choice.slice(3) };
	if (choice.startsWith('name:')) return choice.slice(5);
	return choice;
}

const minutes = (sec: number | null | undefined): NumberField => (sec == null ? null : Math.round((sec / 60) * 1000) / 1000);

/** The rule as the form holds it, to edit it. */
export function ruleDraftOf(r: RuleView): RuleDraft {
	const f: Partial<RuleFilter> = r.filter ?? {};
	const crm = f.crm ?? null;
	return {
		name: r.name,
		workspaceId: r.workspaceId,
		enabled: r.enabled,
		applyToPastCalls: false,
		directions: [...(f.directions ?? [])],
		scopes: [...(f.scopes ?? [])],
		externalParticipants: f.externalParticipants === true ? 'yes' : f.externalParticipants === false ? 'no' : 'any',
		participantDomains: formatKeywords(f.participantDomains ?? []),
		primaryUsers: [...(f.primaryUsers ?? [])],
		teams: [...(f.teams ?? [])],
		minDurationMin: minutes(f.minDurationSec),
		maxDurationMin: minutes(f.maxDurationSec),
		trackers: (f.trackers ?? []).map((t) => ({ trackerId: String(t.trackerId), minCount: t.minCount ?? null })),
		topics: formatKeywords(f.topics ?? []),
		titleWords: formatKeywords(f.titleWords ?? []),
		crmOn: crm != null,
		crmObjectType: crm?.objectType ?? '',
		crmField: crm?.field ?? '',
		crmValue: valueText(crm?.value),
		crmValueRaw: crm?.value ?? undefined,
		actions: r.actions.map((a): ActionDraft => {
			if (a.type === 'Webhook') return { type: 'Webhook', url: (a as WebhookDraft).url, auth: (a as WebhookDraft).auth };
			const c = a as Schemas['CrmActionView'];
			return { type: 'CrmField', tracker: trackerChoice(c.tracker), objectType: c.objectType, field: c.field, mergeWithCurrent: c.mergeWithCurrent, connectorId: c.connectorId };
		})
	};
}

/** A number field's number, or undefined when it is empty. Text that is not a number is
 * sent as it is, for the server to refuse in its own words. */
function numberOf(v: NumberField): number | string | undefined {
	if (v == null) return undefined;
	if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
	const t = v.trim();
	if (!t) return undefined;
	const n = Number(t);
	return Number.isFinite(n) ? n : t;
}

/** Minutes to whole seconds (text that is not a number passes as it is). */
function seconds(v: NumberField): number | undefined {
	const n = numberOf(v);
	return typeof n === 'number' ? Math.round(n * 60) : (n as number | undefined);
}

/** The filter without its empty conditions (an empty filter matches every call). */
export function compactFilter(f: Partial<RuleFilter>): Partial<RuleFilter> {
	const out: Partial<RuleFilter> = {};
	for (const [k, v] of Object.entries(f) as [keyof RuleFilter, unknown][]) {
		if (v == null || (Array.isArray(v) && !v.length)) continue;
		// The CRM condition's parts likewise: `{objectType: null}` is any object.
		(out as Record<string, unknown>)[k] = k === 'crm' && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x != null)) : v;
	}
	return out;
}

export function filterOf(d: RuleDraft): Partial<RuleFilter> {
	const f: Partial<RuleFilter> = {
		directions: [...d.directions],
		scopes: [...d.scopes],
		externalParticipants: d.externalParticipants === 'yes' ? true : d.externalParticipants === 'no' ? false : null,
		participantDomains: parseKeywords(d.participantDomains),
		primaryUsers: [...d.primaryUsers],
		teams: [...d.teams],
		minDurationSec: seconds(d.minDurationMin) ?? null,
		maxDurationSec: seconds(d.maxDurationMin) ?? null,
		trackers: d.trackers
			.filter((t) => t.trackerId.trim())
			.map((t) => {
				const n = numberOf(t.minCount);
				return n === undefined ? { trackerId: t.trackerId.trim() } : { trackerId: t.trackerId.trim(), minCount: n as number };
			}),
		topics: parseKeywords(d.topics),
		titleWords: parseKeywords(d.titleWords)
	};
	if (d.crmOn) {
		const crm: Record<string, unknown> = {};
		if (d.crmObjectType.trim()) crm.objectType = d.crmObjectType.trim();
		if (d.crmField.trim()) crm.field = d.crmField.trim();
		if (d.crmValueRaw !== undefined && d.crmValue === valueText(d.crmValueRaw)) crm.value = d.crmValueRaw;
		else if (d.crmValue.trim()) crm.value = d.crmValue.trim();
		f.crm = crm as Schemas['RuleCrmCondition'];
	}
	return compactFilter(f);
}

export function actionBody(a: ActionDraft): ActionInput {
	if (a.type === 'Webhook') return { type: 'Webhook', url: a.url.trim(), auth: a.auth };
	return {
		type: 'CrmField',
		tracker: trackerBody(a.tracker),
		objectType: a.objectType,
		field: a.field.trim(),
		mergeWithCurrent: a.mergeWithCurrent,
		connectorId: a.connectorId.trim()
	};
}

/** The body of a create (`workspaceId` when one was chosen) or an update (the rule keeps its workspace). */
export function ruleBody(d: RuleDraft, mode: 'create' | 'update'): RuleBodyOut {
	const body: RuleBodyOut = { name: d.name, enabled: d.enabled, filter: filterOf(d), actions: d.actions.map(actionBody) };
	if (mode === 'create' && d.workspaceId) body.workspaceId = d.workspaceId;
	if (d.applyToPastCalls) body.applyToPastCalls = true;
	return body;
}

/** A saved rule switched on or off (Pause, Resume): everything else sent back as the
 * server showed it (what it shows, it takes back). */
export function stateBody(r: RuleView, enabled: boolean): RuleBodyOut {
	return {
		name: r.name,
		enabled,
		filter: compactFilter(r.filter ?? {}),
		actions: r.actions.map((a): ActionInput => {
			if (a.type === 'Webhook') return { type: 'Webhook', url: (a as WebhookDraft).url, auth: (a as WebhookDraft).auth };
			const c = a as Schemas['CrmActionView'];
			return { type: 'CrmField', tracker: c.tracker as Schemas['TrackerBody'], objectType: c.objectType, field: c.field, mergeWithCurrent: c.mergeWithCurrent, connectorId: c.connectorId };
		})
	};
}

/** Items of a workspace (trackers, connectors) for a rule of `workspaceId`; all of them when it is not known. */
export function ofWorkspace<T extends { workspaceId: string }>(items: readonly T[], workspaceId: string): T[] {
	return workspaceId ? items.filter((i) => i.workspaceId === workspaceId) : [...items];
}

/** A list with one value toggled (the checkboxes of directions, scopes, users). */
export function toggled<T>(list: readonly T[], value: T, on: boolean): T[] {
	const rest = list.filter((v) => v !== value);
	return on ? [...rest, value] : rest;
}
