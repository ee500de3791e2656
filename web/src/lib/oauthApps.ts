// Settings › OAuth apps (`/parley/v1/oauth-apps`): the registration form ↔ the API's
// `NewOAuthApp` body, and the list's order and words. No rule of what is valid lives here:
// the server checks the name, every redirect URI (https, or http to localhost) and the
// scopes, and the form shows its 400.

import type { components } from '$lib/api';

export type OAuthAppView = components['schemas']['OAuthAppView'];
export type NewOAuthApp = components['schemas']['NewOAuthApp'];

export interface OAuthAppDraft {
	name: string;
	/** One redirect URI a line (spaces separate too: a URI holds none). */
	redirectUris: string;
	/** The most the app may ask users for: a preset, or the scopes typed in `customScopes`. */
	access: 'read-only' | 'full' | 'custom';
	/** Scope strings separated by spaces or commas (`api:calls:read:basic parley:read`). */
	customScopes: string;
	/** The user the app is registered for; empty for none. */
	ownerUserId: string;
}

export function emptyOAuthAppDraft(): OAuthAppDraft {
	return { name: '', redirectUris: '', access: 'read-only', customScopes: '', ownerUserId: '' };
}

/** The URIs typed, in order, blanks dropped (the server drops repeats and checks each). */
export function parseRedirectUris(text: string): string[] {
	return text.split(/\s+/).filter((u) => u !== '');
}

/** The body of `POST /parley/v1/oauth-apps`: what the form says. */
export function oauthAppBody(d: OAuthAppDraft): NewOAuthApp {
	const body: NewOAuthApp = {
		name: d.name.trim(),
		redirectUris: parseRedirectUris(d.redirectUris),
		scopes: d.access === 'custom' ? d.customScopes.trim() : d.access
	};
	if (d.ownerUserId) body.ownerUserId = d.ownerUserId;
	return body;
}

/** The app's scopes (`scopes` is space-separated), in the server's order. */
export function scopeList(scopes: string): string[] {
	return scopes.split(/[\s,]+/).filter((s) => s !== '');
}

/** "api:calls:read:basic, parley:read" for a few; "17 scopes" for many (listed on demand). */
export function scopeSummary(scopes: string, shown = 3): string {
	const all = scopeList(scopes);
	if (!all.length) return 'No scopes';
	if (all.length <= shown) return all.join(', ');
	return `${all.length} scopes`;
}

/** Active apps first (newest first), revoked ones after (most recently revoked first). */
export function sortApps(apps: OAuthAppView[]): OAuthAppView[] {
	return [...apps].sort(
		(a, b) =>
			Number(!!a.revoked) - Number(!!b.revoked) ||
			(b.revoked ?? '').localeCompare(a.revoked ?? '') ||
			b.created.localeCompare(a.created) ||
			a.name.localeCompare(b.name)
	);
}
