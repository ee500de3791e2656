import { describe, expect, it } from 'vitest';
import {
	AREAS,
	CAPABILITIES,
	accessLines,
	capabilityCount,
	capabilityGroups,
	draftOfProfile,
	emptyProfileDraft,
	libraryWords,
	profileInput,
	sortProfiles,
	type ProfileWire
} from './profiles';

const off = (p: Partial<ProfileWire> = {}): ProfileWire => ({
	id: '8000000000000000001',
	name: 'Sales manager',
	description: "First-line managers: their teams' deals and coaching",
	callsAccess: { permissionLevel: 'none', teamLeadIds: null },
	libraryFolderAccess: { permissionLevel: 'none', libraryFolderIds: null, managePublicFolder: false, manageStreams: false, manageFolderCalls: false, shareFoldersAndStreams: false },
	dealsAccess: { permissionLevel: 'none', teamLeadIds: null },
	forecastPermissions: {
		forecastAccess: { permissionLevel: 'none', teamLeadIds: null },
		forecastEditSubmissions: { permissionLevel: 'none', teamLeadIds: null },
		forecastEditTargets: { permissionLevel: 'none', teamLeadIds: null }
	},
	coachingAccess: { permissionLevel: 'none', teamLeadIds: null },
	insightsAccess: { permissionLevel: 'none', teamLeadIds: null },
	usageAccess: { permissionLevel: 'none', teamLeadIds: null },
	emailsAccess: { permissionLevel: 'none', teamLeadIds: null },
	scoreCalls: false,
	overrideScore: false,
	downloadCallMedia: false,
	shareCallsWithCustomers: false,
	manuallyScheduleAndUploadCalls: false,
	privateCalls: false,
	deleteCalls: false,
	trimCalls: false,
	listenInCalls: false,
	deleteEmails: false,
	callsAndSearch: false,
	library: false,
	deals: false,
	createEditAndDeleteDealsBoards: false,
	dealsInlineEditing: false,
	account: false,
	coaching: false,
	usage: false,
	teamStats: false,
	initiatives: false,
	market: false,
	activity: false,
	forecast: false,
	forecastManage: false,
	engageManageCompanyTemplates: false,
	engageManageCompanySequences: false,
	engageCreateAndManageRulesets: false,
	engageSnoozeFlowToDosForOthers: false,
	viewEngageAnalyticsActivity: false,
	viewEngageAnalyticsPerformance: false,
	viewEngageAnalyticsFlows: false,
	manageGeneralBusinessSettings: false,
	manageScorecards: false,
	exportCallsAndCoachingDataToCSV: false,
	crmDataInlineEditing: false,
	crmDataImport: false,
	viewRevenueAnalytics: false,
	manageRevenueAnalytics: false,
	engageAllowCrmFieldsViewChange: false,
	engageReassignFlowToDosToOthers: false,
	engageAssignFlowToDosToOthers: false,
	dealsDataExport: false,
	aiBuilder: false,
	...p
});

/** Every field set to something other than its default. */
const full: ProfileWire = off({
	callsAccess: { permissionLevel: 'managers-team', teamLeadIds: ['1000000000000000002', '1000000000000000003'] },
	libraryFolderAccess: { permissionLevel: 'specific-folders', libraryFolderIds: ['6100000000000000001'], managePublicFolder: true, manageStreams: false, manageFolderCalls: true, shareFoldersAndStreams: true },
	dealsAccess: { permissionLevel: 'report-to-them', teamLeadIds: null },
	forecastPermissions: {
		forecastAccess: { permissionLevel: 'own', teamLeadIds: null },
		forecastEditSubmissions: { permissionLevel: 'all', teamLeadIds: null },
		forecastEditTargets: { permissionLevel: 'managers-team', teamLeadIds: ['1000000000000000002'] }
	},
	coachingAccess: { permissionLevel: 'all', teamLeadIds: null },
	insightsAccess: { permissionLevel: 'own', teamLeadIds: null },
	usageAccess: { permissionLevel: 'report-to-them', teamLeadIds: null },
	emailsAccess: { permissionLevel: 'none', teamLeadIds: null },
	scoreCalls: true,
	trimCalls: true,
	callsAndSearch: true,
	library: true,
	forecastManage: true,
	aiBuilder: true
});

describe('the capabilities the page knows', () => {
	it('are every boolean field of a profile, once each', () => {
		const booleans = Object.entries(off())
			.filter(([, v]) => typeof v === 'boolean')
			.map(([k]) => k)
			.sort();
		expect([...CAPABILITIES].sort()).toEqual(booleans);
		expect(new Set(CAPABILITIES).size).toBe(CAPABILITIES.length);
		expect(AREAS).toHaveLength(9);
	});
});

describe('the profile form', () => {
	it('a new profile: no access anywhere, every capability off, no name', () => {
		const d = emptyProfileDraft();
		expect(d.name).toBe('');
		expect(Object.values(d.access).every((a) => a.level === 'none' && a.teamLeadIds.length === 0)).toBe(true);
		expect(d.library).toEqual({ level: 'none', folderIds: [], managePublicFolder: false, manageStreams: false, manageFolderCalls: false, shareFoldersAndStreams: false });
		expect(Object.values(d.capabilities).every((v) => v === false)).toBe(true);
		const body = profileInput({ ...d, name: '  Reviewers ' });
		expect(body.name).toBe('Reviewers');
		expect(body.description).toBeNull();
		expect(body.callsAccess).toEqual({ permissionLevel: 'none', teamLeadIds: null });
		expect(body.forecastPermissions).toEqual({
			forecastAccess: { permissionLevel: 'none', teamLeadIds: null },
			forecastEditSubmissions: { permissionLevel: 'none', teamLeadIds: null },
			forecastEditTargets: { permissionLevel: 'none', teamLeadIds: null }
		});
		expect(body.scoreCalls).toBe(false);
		expect(body).not.toHaveProperty('orchestrateCreateAndManagePlays');
		expect(body).not.toHaveProperty('id');
	});

	it('a stored profile round-trips: the body gives back every field as stored', () => {
		const body = profileInput(draftOfProfile(full));
		const { id: _id, ...rest } = full;
		expect(body).toEqual(rest);
		// An empty profile too (null description stays null).
		const { id: _i2, ...plain } = off({ description: null });
		expect(profileInput(draftOfProfile(off({ description: null })))).toEqual(plain);
	});

	it('team leads and folders are kept while another level is chosen, and sent only with theirs', () => {
		const d = draftOfProfile(full);
		d.access.callsAccess.level = 'all';
		d.library.level = 'all';
		let body = profileInput(d);
		expect(body.callsAccess).toEqual({ permissionLevel: 'all', teamLeadIds: null });
		expect(body.libraryFolderAccess?.libraryFolderIds).toBeNull();
		d.access.callsAccess.level = 'managers-team';
		d.library.level = 'specific-folders';
		body = profileInput(d);
		expect(body.callsAccess?.teamLeadIds).toEqual(['1000000000000000002', '1000000000000000003']);
		expect(body.libraryFolderAccess?.libraryFolderIds).toEqual(['6100000000000000001']);
	});

	it('editing the draft does not change the profile it came from', () => {
		const d = draftOfProfile(full);
		d.access.callsAccess.teamLeadIds.push('9');
		d.library.folderIds.push('9');
		expect(full.callsAccess.teamLeadIds).toHaveLength(2);
		expect(full.libraryFolderAccess.libraryFolderIds).toHaveLength(1);
	});

	it('a level the form does not know reads as none; a missing forecast block too', () => {
		const odd = off({ callsAccess: { permissionLevel: 'everyone' as never, teamLeadIds: null } });
		expect(draftOfProfile(odd).access.callsAccess.level).toBe('none');
		const noForecast = { ...off(), forecastPermissions: undefined } as unknown as ProfileWire;
		expect(draftOfProfile(noForecast).access.forecastAccess).toEqual({ level: 'none', teamLeadIds: [] });
	});
});

describe('a profile in words', () => {
	const names: Record<string, string> = { '1000000000000000002': 'Grace Hopper', '6100000000000000001': 'Win/Loss' };
	const nameOf = (id: string) => names[id];

	it('access areas, team leads named (an unknown one by id)', () => {
		const lines = accessLines(full, nameOf);
		expect(lines.map((l) => l.label)).toEqual(['Calls', 'Deals', 'Forecast', 'Forecast: edit submissions', 'Forecast: edit targets', 'Coaching', 'Insights', 'Usage', 'Emails']);
		expect(lines[0]?.words).toBe('The teams of Grace Hopper, user 1000000000000000003');
		expect(lines[1]?.words).toBe('Their own and their reports’');
		expect(lines[2]?.words).toBe('Their own');
		expect(lines[3]?.words).toBe('All');
		expect(lines[8]?.words).toBe('None');
		expect(accessLines(off({ callsAccess: { permissionLevel: 'managers-team', teamLeadIds: null } }))[0]?.words).toBe("Chosen managers' teams (none chosen)");
	});

	it('library access and rights', () => {
		expect(libraryWords(full, nameOf)).toEqual({ access: 'Only Win/Loss', rights: ['Create, rename and delete public folders', 'Add calls to folders and remove them', 'Share folders and streams'] });
		expect(libraryWords(off())).toEqual({ access: 'None', rights: [] });
		expect(libraryWords(off({ libraryFolderAccess: { ...off().libraryFolderAccess, permissionLevel: 'all' } })).access).toBe('All public folders');
	});

	it('capabilities by group, and a count', () => {
		const groups = capabilityGroups(full);
		expect(groups.map((g) => g.label)).toEqual(['Pages they may open', 'Calls', 'Deals and forecast', 'CRM and revenue analytics', 'Engage', 'Administration']);
		expect(groups[0]?.on).toEqual(['Calls and search', 'Library']);
		expect(groups[1]?.on).toEqual(['Score calls', 'Trim calls']);
		expect(groups[4]?.on).toEqual([]);
		expect(groups.reduce((n, g) => n + g.total, 0)).toBe(CAPABILITIES.length);
		expect(capabilityCount(full)).toBe(`6 of ${CAPABILITIES.length} capabilities`);
	});

	it('profiles sort by name', () => {
		expect(sortProfiles([off({ id: '2', name: 'b' }), off({ id: '1', name: 'a' })]).map((p) => p.name)).toEqual(['a', 'b']);
	});
});
