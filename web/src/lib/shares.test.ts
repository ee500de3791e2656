import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPIRY_DAYS, EXPIRY_DAYS, expiryLabel, recipientOf, shareBody, shareStatus } from './shares';

const now = Date.parse('2024-03-10T12:00:00Z');

describe('shareStatus', () => {
	it('is active until it expires', () => {
		expect(shareStatus({ expires: '2024-03-10T12:00:01Z', revoked: null }, now)).toBe('active');
		expect(shareStatus({ expires: '2024-03-10T12:00:00Z', revoked: null }, now)).toBe('expired');
		expect(shareStatus({ expires: '2024-03-01T00:00:00Z', revoked: null }, now)).toBe('expired');
	});

	it('is revoked once revoked, before or after its expiry has passed; revoked after expiring it had expired', () => {
		expect(shareStatus({ expires: '2024-04-01T00:00:00Z', revoked: '2024-03-09T00:00:00Z' }, now)).toBe('revoked');
		expect(shareStatus({ expires: '2024-03-09T12:00:00Z', revoked: '2024-03-09T00:00:00Z' }, now)).toBe('revoked');
		expect(shareStatus({ expires: '2024-03-05T00:00:00Z', revoked: '2024-03-09T00:00:00Z' }, now)).toBe('expired');
	});

	it('takes an unreadable time as no time', () => {
		expect(shareStatus({ expires: 'garbage', revoked: null }, now)).toBe('active');
		expect(shareStatus({ expires: 'garbage', revoked: '2024-03-09T00:00:00Z' }, now)).toBe('revoked');
	});
});

describe('shareBody and the choices', () => {
	it('sends the days chosen, and the recipient only when there is one', () => {
		expect(shareBody('  dana@acme.example ', 7)).toEqual({ expiresInDays: 7, recipient: 'dana@acme.example' });
		expect(shareBody('   ', 30)).toEqual({ expiresInDays: 30 });
		expect(shareBody('', 365)).toEqual({ expiresInDays: 365 });
	});

	it('offers 7, 30, 90 and 365 days, 30 first', () => {
		expect(EXPIRY_DAYS).toEqual([7, 30, 90, 365]);
		expect(EXPIRY_DAYS).toContain(DEFAULT_EXPIRY_DAYS);
		expect(EXPIRY_DAYS.map(expiryLabel)).toEqual(['7 days', '30 days', '90 days', '1 year']);
		expect(expiryLabel(1)).toBe('1 day');
	});

	it('names the recipient, or says there is none', () => {
		expect(recipientOf({ recipient: 'dana@acme.example' })).toBe('dana@acme.example');
		expect(recipientOf({ recipient: null })).toBe('No recipient noted');
		expect(recipientOf({ recipient: ' ' })).toBe('No recipient noted');
	});
});
