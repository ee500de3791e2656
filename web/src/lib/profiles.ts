// Settings › Permission profiles: a profile as the API gives it (`PermissionProfile`) ↔ the
// form's state ↔ the create/update body (`PermissionProfileInput`), and the profile in
// words (access areas, library access, capabilities grouped). Field names and enum values
// are the API's (crates/parley-client/data/openapi.json). No rule of what is valid lives
// here: the server checks a profile (a managers-team level naming no team lead, library
// rights without library access, …) and the page shows its 400.

import type { components } from '$lib/api';

/** `orchestrateCreateAndManagePlays` (always `null`) is left out: openapi-fetch's types drop a field that can only be null. */
export type ProfileWire = Omit<components['schemas']['PermissionProfile'], 'orchestrateCreateAndManagePlays'>;
type RawInput = components['schemas']['PermissionProfileInput'];
/** The body's named fields (without the schema's catch-all index signature, and without
 * `orchestrateCreateAndManagePlays`, as above). */
export type ProfileInput = { [K in keyof RawInput as string extends K ? never : K extends 'orchestrateCreateAndManagePlays' ? never : K]: RawInput[K] };
export type ProfileUser = components['schemas']['ProfileUserWire'];
export type AccessLevel = ProfileWire['callsAccess']['permissionLevel'];
export type LibraryLevel = ProfileWire['libraryFolderAccess']['permissionLevel'];
type AccessWire = ProfileWire['callsAccess'];

/** The boolean fields of a profile: its capabilities. */
export type CapabilityKey = { [K in keyof ProfileWire]-?: ProfileWire[K] extends boolean ? K : never }[keyof ProfileWire];

/** The access areas: the top-level ones, and the three inside `forecastPermissions`. */
export type TopAreaKey = 'callsAccess' | 'dealsAccess' | 'coachingAccess' | 'insightsAccess' | 'usageAccess' | 'emailsAccess';
export type ForecastAreaKey = keyof ProfileWire['forecastPermissions'];
export type AreaKey = TopAreaKey | ForecastAreaKey;

export const ACCESS_LEVELS: { value: AccessLevel; label: string }[] = [
	{ value: 'all', label: 'All' },
	{ value: 'managers-team', label: "Chosen managers' teams" },
	{ value: 'report-to-them', label: 'Their own and their reports’' },
	{ value: 'own', label: 'Their own' },
	{ value: 'none', label: 'None' }
];

export const LIBRARY_LEVELS: { value: LibraryLevel; label: string }[] = [
	{ value: 'all', label: 'All public folders' },
	{ value: 'specific-folders', label: 'Chosen folders' },
	{ value: 'none', label: 'None' }
];

/** The library block's rights (besides its level and folders). */
export const LIBRARY_RIGHTS: { key: 'managePublicFolder' | 'manageStreams' | 'manageFolderCalls' | 'shareFoldersAndStreams'; label: string }[] = [
	{ key: 'managePublicFolder', label: 'Create, rename and delete public folders' },
	{ key: 'manageFolderCalls', label: 'Add calls to folders and remove them' },
	{ key: 'manageStreams', label: 'Manage streams' },
	{ key: 'shareFoldersAndStreams', label: 'Share folders and streams' }
];

/** Access areas in the order Gong lists them. */
export const AREAS: { key: AreaKey; label: string; forecast: boolean }[] = [
	{ key: 'callsAccess', label: 'Calls', forecast: false },
	{ key: 'dealsAccess', label: 'Deals', forecast: false },
	{ key: 'forecastAccess', label: 'Forecast', forecast: true },
	{ key: 'forecastEditSubmissions', label: 'Forecast: edit submissions', forecast: true },
	{ key: 'forecastEditTargets', label: 'Forecast: edit targets', forecast: true },
	{ key: 'coachingAccess', label: 'Coaching', forecast: false },
	{ key: 'insightsAccess', label: 'Insights', forecast: false },
	{ key: 'usageAccess', label: 'Usage', forecast: false },
	{ key: 'emailsAccess', label: 'Emails', forecast: false }
];

/** Every capability, grouped as a person reads them. */
export const CAPABILITY_GROUPS: { label: string; items: { key: CapabilityKey; label: string }[] }[] = [
	{
		label: 'Pages they may open',
		items: [
			{ key: 'callsAndSearch', label: 'Calls and search' },
			{ key: 'library', label: 'Library' },
			{ key: 'deals', label: 'Deals' },
			{ key: 'account', label: 'Accounts' },
			{ key: 'activity', label: 'Activity' },
			{ key: 'teamStats', label: 'Team stats' },
			{ key: 'coaching', label: 'Coaching' },
			{ key: 'usage', label: 'Usage' },
			{ key: 'initiatives', label: 'Initiatives' },
			{ key: 'market', label: 'Market' },
			{ key: 'forecast', label: 'Forecast' }
		]
	},
	{
		label: 'Calls',
		items: [
			{ key: 'scoreCalls', label: 'Score calls' },
			{ key: 'overrideScore', label: 'Override scores' },
			{ key: 'downloadCallMedia', label: 'Download recordings' },
			{ key: 'shareCallsWithCustomers', label: 'Share calls with customers' },
			{ key: 'manuallyScheduleAndUploadCalls', label: 'Schedule and upload calls' },
			{ key: 'privateCalls', label: 'Make calls private' },
			{ key: 'trimCalls', label: 'Trim calls' },
			{ key: 'listenInCalls', label: 'Listen in to live calls' },
			{ key: 'deleteCalls', label: 'Delete calls' },
			{ key: 'exportCallsAndCoachingDataToCSV', label: 'Export calls and coaching data (CSV)' }
		]
	},
	{
		label: 'Deals and forecast',
		items: [
			{ key: 'createEditAndDeleteDealsBoards', label: 'Create, edit and delete deal boards' },
			{ key: 'dealsInlineEditing', label: 'Edit deals in place' },
			{ key: 'dealsDataExport', label: 'Export deal data' },
			{ key: 'forecastManage', label: 'Manage the forecast' }
		]
	},
	{
		label: 'CRM and revenue analytics',
		items: [
			{ key: 'crmDataInlineEditing', label: 'Edit CRM data in place' },
			{ key: 'crmDataImport', label: 'Import CRM data' },
			{ key: 'viewRevenueAnalytics', label: 'View revenue analytics' },
			{ key: 'manageRevenueAnalytics', label: 'Manage revenue analytics' }
		]
	},
	{
		label: 'Engage',
		items: [
			{ key: 'engageManageCompanyTemplates', label: 'Manage company templates' },
			{ key: 'engageManageCompanySequences', label: 'Manage company sequences' },
			{ key: 'engageCreateAndManageRulesets', label: 'Create and manage rulesets' },
			{ key: 'engageAssignFlowToDosToOthers', label: 'Assign flow to-dos to others' },
			{ key: 'engageReassignFlowToDosToOthers', label: 'Reassign flow to-dos to others' },
			{ key: 'engageSnoozeFlowToDosForOthers', label: 'Snooze flow to-dos for others' },
			{ key: 'engageAllowCrmFieldsViewChange', label: 'Change which CRM fields are shown' },
			{ key: 'viewEngageAnalyticsActivity', label: 'View activity analytics' },
			{ key: 'viewEngageAnalyticsPerformance', label: 'View performance analytics' },
			{ key: 'viewEngageAnalyticsFlows', label: 'View flow analytics' },
			{ key: 'deleteEmails', label: 'Delete emails' }
		]
	},
	{
		label: 'Administration',
		items: [
			{ key: 'manageGeneralBusinessSettings', label: 'Manage general business settings' },
			{ key: 'manageScorecards', label: 'Manage scorecards' },
			{ key: 'aiBuilder', label: 'AI builder' }
		]
	}
];

export const CAPABILITIES: CapabilityKey[] = CAPABILITY_GROUPS.flatMap((g) => g.items.map((i) => i.key));

// ---- the form ----

export interface AccessDraft {
	level: AccessLevel;
	/** Kept while another level is chosen; sent only with managers-team. */
	teamLeadIds: string[];
}

export interface ProfileDraft {
	name: string;
	description: string;
	access: Record<AreaKey, AccessDraft>;
	library: {
		level: LibraryLevel;
		/** Kept while another level is chosen; sent only with specific-folders. */
		folderIds: string[];
		managePublicFolder: boolean;
		manageStreams: boolean;
		manageFolderCalls: boolean;
		shareFoldersAndStreams: boolean;
	};
	capabilities: Record<CapabilityKey, boolean>;
}

const ACCESS_VALUES = new Set<string>(ACCESS_LEVELS.map((l) => l.value));
const LIBRARY_VALUES = new Set<string>(LIBRARY_LEVELS.map((l) => l.value));

function accessDraft(a: AccessWire | undefined): AccessDraft {
	const level = a && ACCESS_VALUES.has(a.permissionLevel) ? a.permissionLevel : 'none';
	return { level, teamLeadIds: [...(a?.teamLeadIds ?? [])] };
}

function areaOf(p: ProfileWire, key: AreaKey): AccessWire | undefined {
	if (key === 'forecastAccess' || key === 'forecastEditSubmissions' || key === 'forecastEditTargets') return p.forecastPermissions?.[key];
	return p[key];
}

/** A new profile: no access anywhere, every capability off (what the server makes of an
 * empty body). */
export function emptyProfileDraft(): ProfileDraft {
	return {
		name: '',
		description: '',
		access: Object.fromEntries(AREAS.map((a): [AreaKey, AccessDraft] => [a.key, { level: 'none', teamLeadIds: [] }])) as Record<AreaKey, AccessDraft>,
		library: { level: 'none', folderIds: [], managePublicFolder: false, manageStreams: false, manageFolderCalls: false, shareFoldersAndStreams: false },
		capabilities: Object.fromEntries(CAPABILITIES.map((k) => [k, false])) as Record<CapabilityKey, boolean>
	};
}

/** A stored profile as the form's state (to edit it). Unknown levels read as none. */
export function draftOfProfile(p: ProfileWire): ProfileDraft {
	const lib = p.libraryFolderAccess;
	return {
		name: p.name,
		description: p.description ?? '',
		access: Object.fromEntries(AREAS.map((a) => [a.key, accessDraft(areaOf(p, a.key))])) as Record<AreaKey, AccessDraft>,
		library: {
			level: lib && LIBRARY_VALUES.has(lib.permissionLevel) ? lib.permissionLevel : 'none',
			folderIds: [...(lib?.libraryFolderIds ?? [])],
			managePublicFolder: !!lib?.managePublicFolder,
			manageStreams: !!lib?.manageStreams,
			manageFolderCalls: !!lib?.manageFolderCalls,
			shareFoldersAndStreams: !!lib?.shareFoldersAndStreams
		},
		capabilities: Object.fromEntries(CAPABILITIES.map((k) => [k, p[k] === true])) as Record<CapabilityKey, boolean>
	};
}

type AccessInput = NonNullable<ProfileInput['callsAccess']>;

function accessInput(a: AccessDraft): AccessInput {
	return a.level === 'managers-team' ? { permissionLevel: a.level, teamLeadIds: [...a.teamLeadIds] } : { permissionLevel: a.level, teamLeadIds: null };
}

/** The whole profile as POST and PUT `/v2/permission-profile` take it: every field given
 * (so an update sets what the form shows), the name and description trimmed, an empty
 * description `null`. */
export function profileInput(d: ProfileDraft): ProfileInput {
	const a = (k: AreaKey) => accessInput(d.access[k]);
	const lib = d.library;
	const body: ProfileInput = {
		name: d.name.trim(),
		description: d.description.trim() || null,
		callsAccess: a('callsAccess'),
		libraryFolderAccess: {
			permissionLevel: lib.level,
			libraryFolderIds: lib.level === 'specific-folders' ? [...lib.folderIds] : null,
			managePublicFolder: lib.managePublicFolder,
			manageStreams: lib.manageStreams,
			manageFolderCalls: lib.manageFolderCalls,
			shareFoldersAndStreams: lib.shareFoldersAndStreams
		},
		dealsAccess: a('dealsAccess'),
		forecastPermissions: {
			forecastAccess: a('forecastAccess'),
			forecastEditSubmissions: a('forecastEditSubmissions'),
			forecastEditTargets: a('forecastEditTargets')
		},
		coachingAccess: a('coachingAccess'),
		insightsAccess: a('insightsAccess'),
		usageAccess: a('usageAccess'),
		emailsAccess: a('emailsAccess')
	};
	for (const k of CAPABILITIES) body[k] = d.capabilities[k];
	return body;
}

// ---- the profile in words ----

export interface AreaLine {
	label: string;
	words: string;
}

const levelLabel = (v: string, list: { value: string; label: string }[]) => list.find((l) => l.value === v)?.label ?? v;

function namesOf(ids: string[], nameOf: (id: string) => string | undefined, what: string): string {
	return ids.map((id) => nameOf(id) ?? `${what} ${id}`).join(', ');
}

/** One line per access area: "Their own", "The teams of Grace Hopper, Alan Turing". */
export function accessLines(p: ProfileWire, userName: (id: string) => string | undefined = () => undefined): AreaLine[] {
	return AREAS.map((area) => {
		const a = accessDraft(areaOf(p, area.key));
		const words =
			a.level === 'managers-team'
				? a.teamLeadIds.length
					? `The teams of ${namesOf(a.teamLeadIds, userName, 'user')}`
					: "Chosen managers' teams (none chosen)"
				: levelLabel(a.level, ACCESS_LEVELS);
		return { label: area.label, words };
	});
}

/** The library block in words: which folders, then what they may do there. */
export function libraryWords(p: ProfileWire, folderName: (id: string) => string | undefined = () => undefined): { access: string; rights: string[] } {
	const lib = draftOfProfile(p).library;
	const access =
		lib.level === 'specific-folders'
			? lib.folderIds.length
				? `Only ${namesOf(lib.folderIds, folderName, 'folder')}`
				: 'Chosen folders (none chosen)'
			: levelLabel(lib.level, LIBRARY_LEVELS);
	return { access, rights: LIBRARY_RIGHTS.filter((r) => lib[r.key]).map((r) => r.label) };
}

/** Capabilities by group: the ones switched on, and how many the group has. */
export function capabilityGroups(p: ProfileWire): { label: string; on: string[]; total: number }[] {
	return CAPABILITY_GROUPS.map((g) => ({ label: g.label, on: g.items.filter((i) => p[i.key] === true).map((i) => i.label), total: g.items.length }));
}

/** "3 of 43 capabilities" for the list. */
export function capabilityCount(p: ProfileWire): string {
	const on = CAPABILITIES.filter((k) => p[k] === true).length;
	return `${on} of ${CAPABILITIES.length} capabilities`;
}

/** Profiles by name (as the server lists them, but also after a local change). */
export function sortProfiles(list: ProfileWire[]): ProfileWire[] {
	return [...list].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
