import { describe, expect, it } from 'vitest';
import {
	actionBody,
	compactFilter,
	emptyRuleDraft,
	newCrmAction,
	ofWorkspace,
	ruleBody,
	ruleDraftOf,
	stateBody,
	toggled,
	trackerChoice,
	valueText,
	type RuleView
} from './automationForm';

const EMPTY_FILTER = { directions: [], scopes: [], primaryUsers: [], teams: [], externalParticipants: null, participantDomains: [], minDurationSec: null, maxDurationSec: null, trackers: [], topics: [], crm: null, titleWords: [] };

const rule = (over: Partial<RuleView> = {}): RuleView => ({
	id: '91',
	workspaceId: '50',
	name: 'Competitors to the opportunity',
	enabled: true,
	filter: {
		...EMPTY_FILTER,
		directions: ['Outbound'],
		externalParticipants: true,
		participantDomains: ['acme.com', 'globex.example'],
		primaryUsers: ['1001'],
		minDurationSec: 90,
		maxDurationSec: 3600,
		trackers: [{ trackerId: '42', minCount: 2 }],
		topics: ['Pricing', 'Next steps, later'],
		titleWords: ['demo'],
		crm: { objectType: 'Opportunity', field: 'Amount', value: 5000 }
	},
	actions: [
		{ type: 'Webhook', url: 'https://hooks.example.com/x?key=s3cr3t', auth: 'SecretInUrl' },
		{ type: 'CrmField', tracker: 'Competitors', objectType: 'Opportunity', field: 'Main_Competitors__c', mergeWithCurrent: true, connectorId: '77' }
	],
	disabledReason: null,
	consecutiveFailures: 0,
	created: '',
	updated: '',
	...over
});

describe('the rule form', () => {
	it('a new rule: on, every call, one empty webhook; only what was given is sent', () => {
		const d = emptyRuleDraft();
		expect(ruleBody(d, 'create')).toEqual({ name: '', enabled: true, filter: {}, actions: [{ type: 'Webhook', url: '', auth: 'Jwt' }] });
		d.name = 'Outbound demos';
		d.workspaceId = '50';
		d.directions = ['Outbound'];
		d.externalParticipants = 'no';
		d.participantDomains = ' acme.com,, globex.example ';
		d.minDurationMin = 5;
		d.maxDurationMin = '';
		d.trackers = [
			{ trackerId: '42', minCount: 3 },
			{ trackerId: '', minCount: 1 },
			{ trackerId: '43', minCount: null }
		];
		d.titleWords = 'demo, "a, b"';
		d.applyToPastCalls = true;
		d.actions = [{ type: 'Webhook', url: ' https://h.example.com/hook ', auth: 'SecretInUrl' }];
		expect(ruleBody(d, 'create')).toEqual({
			name: 'Outbound demos',
			enabled: true,
			workspaceId: '50',
			applyToPastCalls: true,
			filter: {
				directions: ['Outbound'],
				externalParticipants: false,
				participantDomains: ['acme.com', 'globex.example'],
				minDurationSec: 300,
				trackers: [{ trackerId: '42', minCount: 3 }, { trackerId: '43' }],
				titleWords: ['demo', 'a, b']
			},
			actions: [{ type: 'Webhook', url: 'https://h.example.com/hook', auth: 'SecretInUrl' }]
		});
		// An update keeps the rule's workspace: none is sent.
		expect(ruleBody(d, 'update').workspaceId).toBeUndefined();
	});

	it('reads a rule back into the form', () => {
		const d = ruleDraftOf(rule());
		expect(d).toMatchObject({
			name: 'Competitors to the opportunity',
			workspaceId: '50',
			enabled: true,
			applyToPastCalls: false,
			directions: ['Outbound'],
			externalParticipants: 'yes',
			participantDomains: 'acme.com, globex.example',
			primaryUsers: ['1001'],
			minDurationMin: 1.5,
			maxDurationMin: 60,
			trackers: [{ trackerId: '42', minCount: 2 }],
			topics: 'Pricing, "Next steps, later"',
			titleWords: 'demo',
			crmOn: true,
			crmObjectType: 'Opportunity',
			crmField: 'Amount',
			crmValue: '5000'
		});
		expect(d.actions).toEqual([
			{ type: 'Webhook', url: 'https://hooks.example.com/x?key=s3cr3t', auth: 'SecretInUrl' },
			{ type: 'CrmField', tracker: 'name:Competitors', objectType: 'Opportunity', field: 'Main_Competitors__c', mergeWithCurrent: true, connectorId: '77' }
		]);
	});

	it('a rule read into the form and saved unchanged is sent as it was (its empty conditions left out)', () => {
		for (const r of [rule(), rule({ enabled: false, filter: EMPTY_FILTER }), rule({ filter: { ...EMPTY_FILTER, minDurationSec: 100, crm: { objectType: null, field: null } } })]) {
			const body = ruleBody(ruleDraftOf(r), 'update');
			expect(body).toEqual(stateBody(r, r.enabled));
			expect(body.filter).toEqual(compactFilter(r.filter));
		}
		expect(stateBody(rule(), true).filter.crm).toEqual({ objectType: 'Opportunity', field: 'Amount', value: 5000 });
	});

	it('a CRM value keeps its type while unchanged, and is text once edited', () => {
		const d = ruleDraftOf(rule());
		expect(ruleBody(d, 'update').filter.crm?.value).toBe(5000);
		d.crmValue = '6000';
		expect(ruleBody(d, 'update').filter.crm?.value).toBe('6000');
		d.crmValue = ' ';
		expect(ruleBody(d, 'update').filter.crm).toEqual({ objectType: 'Opportunity', field: 'Amount' });
		d.crmOn = false;
		expect(ruleBody(d, 'update').filter.crm).toBeUndefined();
		// Any linked object: an empty condition.
		const e = emptyRuleDraft();
		e.crmOn = true;
		expect(ruleBody(e, 'create').filter).toEqual({ crm: {} });
		expect(valueText(true)).toBe('true');
		expect(valueText(null)).toBe('');
	});

	it('pausing and resuming sends the rule back as shown, only its state changed', () => {
		const body = stateBody(rule(), false);
		expect(body.enabled).toBe(false);
		expect(body.name).toBe('Competitors to the opportunity');
		expect(body.workspaceId).toBeUndefined();
		expect(body.applyToPastCalls).toBeUndefined();
		expect(body.actions[1]).toEqual({ type: 'CrmField', tracker: 'Competitors', objectType: 'Opportunity', field: 'Main_Competitors__c', mergeWithCurrent: true, connectorId: '77' });
		expect(stateBody(rule({ enabled: false }), true).enabled).toBe(true);
	});

	it("CRM field actions: the tracker by id or by name, the rest trimmed; what is missing is the server's to say", () => {
		expect(trackerChoice({ id: '42' })).toBe('id:42');
		expect(trackerChoice('Competitors')).toBe('name:Competitors');
		expect(trackerChoice(' ')).toBe('');
		expect(trackerChoice(undefined)).toBe('');
		expect(actionBody({ ...newCrmAction(), tracker: 'id:42', field: ' Competitors__c ', connectorId: ' 77 ' })).toEqual({
			type: 'CrmField',
			tracker: { id: '42' },
			objectType: 'Opportunity',
			field: 'Competitors__c',
			mergeWithCurrent: false,
			connectorId: '77'
		});
		expect(actionBody(newCrmAction())).toMatchObject({ tracker: '', field: '', connectorId: '' });
	});

	it('numbers that are not numbers go to the server as typed', () => {
		const d = emptyRuleDraft();
		d.minDurationMin = 'soon';
		d.trackers = [{ trackerId: '42', minCount: 'x' }];
		expect(ruleBody(d, 'create').filter).toEqual({ minDurationSec: 'soon', trackers: [{ trackerId: '42', minCount: 'x' }] });
	});

	it('helpers: items of a workspace, a toggled list', () => {
		const items = [
			{ id: 'a', workspaceId: '1' },
			{ id: 'b', workspaceId: '2' }
		];
		expect(ofWorkspace(items, '2').map((i) => i.id)).toEqual(['b']);
		expect(ofWorkspace(items, '').length).toBe(2);
		expect(toggled(['Inbound'], 'Outbound', true)).toEqual(['Inbound', 'Outbound']);
		expect(toggled(['Inbound', 'Outbound'], 'Inbound', false)).toEqual(['Outbound']);
		expect(toggled(['Inbound'], 'Inbound', true)).toEqual(['Inbound']);
	});
});
