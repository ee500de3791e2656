import { describe, expect, it } from 'vitest';
import { actionWords, deliveryState, filterWords, webhookHost, type RuleFilter } from './automation';

describe('a rule in words', () => {
	it('an empty filter is every call', () => {
		expect(filterWords({})).toBe('Every call');
		expect(filterWords({ directions: [], topics: [], crm: null, minDurationSec: null })).toBe('Every call');
	});
	it('every condition, in order', () => {
		const f: Partial<RuleFilter> = {
			directions: ['Outbound', 'Inbound'],
			externalParticipants: true,
			participantDomains: ['acme.com'],
			minDurationSec: 300,
			trackers: [{ trackerId: '42', minCount: 2 }, { trackerId: '43' }],
			topics: ['Pricing'],
			titleWords: ['demo']
		};
		expect(filterWords(f, (id) => (id === '42' ? 'Competitors' : undefined))).toBe(
			'Outbound or Inbound calls · with outside participants · with someone from acme.com · at least 5 min · when Competitors (2×) or tracker 43 fired · discussing Pricing · titled with “demo”'
		);
		expect(filterWords({ crm: { objectType: 'Opportunity', field: 'Stage', value: 'Won' } })).toBe('Linked to a CRM Opportunity whose Stage is "Won"');
	});
	it('users by name when all are known, else counted', () => {
		const name = (id: string) => ({ '1': 'Ada Lovelace', '2': 'Grace Hopper' })[id];
		expect(filterWords({ primaryUsers: ['1', '2'], teams: ['2'] }, undefined, name)).toBe('Hosted by Ada Lovelace or Grace Hopper · hosted in the team of Grace Hopper');
		expect(filterWords({ primaryUsers: ['1', '3'], teams: ['3'] }, undefined, name)).toBe('Hosted by 2 chosen users · hosted in the team of 1 chosen user');
	});
	it('webhooks show only their host: the URL may hold the secret', () => {
		expect(webhookHost('https://hooks.example.com/x?secret=s3cr3t')).toBe('hooks.example.com');
		expect(webhookHost('not a url')).toBe('an invalid URL');
		expect(actionWords({ type: 'Webhook', url: 'https://h.example.com/k/SECRET', auth: 'SecretInUrl' })).toBe('Webhook to h.example.com (secret in the URL)');
		expect(actionWords({ type: 'Webhook', url: 'https://h.example.com/', auth: 'Jwt' })).toBe('Webhook to h.example.com (signed JWT)');
		expect(actionWords({ type: 'CrmField', tracker: '42', objectType: 'Opportunity', field: 'Competitors__c', mergeWithCurrent: true, connectorId: '1' })).toBe(
			"CRM: write the tracker's phrases to Opportunity.Competitors__c (merged)"
		);
	});
	it('delivery states', () => {
		expect(deliveryState({ state: 'delivered', responseCode: 200, attempts: 1 })).toEqual({ label: 'Delivered (HTTP 200)', replayable: true });
		expect(deliveryState({ state: 'pending', responseCode: null, attempts: 0 })).toEqual({ label: 'Waiting to be sent', replayable: false });
		expect(deliveryState({ state: 'pending', responseCode: 503, attempts: 2 }).label).toBe('Retrying (HTTP 503), 2 attempts so far');
		expect(deliveryState({ state: 'failed', responseCode: 500, attempts: 9 })).toEqual({ label: 'Failed (HTTP 500)', replayable: true });
		expect(deliveryState({ state: 'cancelled', responseCode: null, attempts: 0 }).replayable).toBe(true);
	});
});
