import { describe, expect, it } from 'vitest';
import { emptyOAuthAppDraft, oauthAppBody, parseRedirectUris, scopeList, scopeSummary, sortApps, type OAuthAppView } from './oauthApps';

const app = (over: Partial<OAuthAppView>): OAuthAppView => ({
	clientId: 'abc',
	name: 'Zapier',
	redirectUris: ['https://zapier.com/cb'],
	scopes: 'api:calls:read:basic',
	ownerUserId: null,
	created: '2024-03-01T09:00:00+00:00',
	revoked: null,
	...over
});

describe('the OAuth app form', () => {
	it('reads one redirect URI a line, blanks and surrounding spaces dropped', () => {
		expect(parseRedirectUris('')).toEqual([]);
		expect(parseRedirectUris('  https://a.example.com/cb \n\n http://localhost:8080/cb\r\n')).toEqual(['https://a.example.com/cb', 'http://localhost:8080/cb']);
		expect(parseRedirectUris('https://a/cb https://b/cb')).toEqual(['https://a/cb', 'https://b/cb']);
	});

	it('sends a preset, or the scopes typed; the owner only when chosen', () => {
		const d = { ...emptyOAuthAppDraft(), name: '  Zapier ', redirectUris: 'https://zapier.com/cb' };
		expect(oauthAppBody(d)).toEqual({ name: 'Zapier', redirectUris: ['https://zapier.com/cb'], scopes: 'read-only' });
		expect(oauthAppBody({ ...d, access: 'full', ownerUserId: '7' })).toEqual({ name: 'Zapier', redirectUris: ['https://zapier.com/cb'], scopes: 'full', ownerUserId: '7' });
		expect(oauthAppBody({ ...d, access: 'custom', customScopes: ' api:calls:read:basic, parley:read ' }).scopes).toBe('api:calls:read:basic, parley:read');
	});

	it('leaves checking to the server: an empty form is sent as it is', () => {
		expect(oauthAppBody(emptyOAuthAppDraft())).toEqual({ name: '', redirectUris: [], scopes: 'read-only' });
		expect(oauthAppBody({ ...emptyOAuthAppDraft(), access: 'custom' }).scopes).toBe('');
	});
});

describe('the OAuth app list', () => {
	it('lists scopes, and sums up many', () => {
		expect(scopeList('api:calls:read:basic parley:read')).toEqual(['api:calls:read:basic', 'parley:read']);
		expect(scopeList('')).toEqual([]);
		expect(scopeSummary('a b c')).toBe('a, b, c');
		expect(scopeSummary('a b c d')).toBe('4 scopes');
		expect(scopeSummary('')).toBe('No scopes');
	});

	it('puts active apps first, newest first, revoked ones after', () => {
		const old = app({ clientId: 'old', created: '2024-01-01T00:00:00Z' });
		const young = app({ clientId: 'young', created: '2024-05-01T00:00:00Z' });
		const gone = app({ clientId: 'gone', created: '2024-06-01T00:00:00Z', revoked: '2024-06-02T00:00:00Z' });
		const goneEarlier = app({ clientId: 'goneEarlier', created: '2024-06-01T00:00:00Z', revoked: '2024-06-01T12:00:00Z' });
		expect(sortApps([gone, old, goneEarlier, young]).map((a) => a.clientId)).toEqual(['young', 'old', 'gone', 'goneEarlier']);
	});
});
