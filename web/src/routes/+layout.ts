// A single-page app: no server rendering, nothing prerendered; the Rust server answers
// every non-API, non-asset path with index.html (SPA fallback) and the router takes over.
import { redirect } from '@sveltejs/kit';
import { session } from '$lib/api';

export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

const PUBLIC = new Set(['/sign-in']);

export function load({ url }) {
	// Without a live session (its CSRF token is in localStorage) only sign-in is shown.
	// The cookie is the real credential: a 401 from any call also leads here.
	if (!PUBLIC.has(url.pathname) && !session.get()) {
		redirect(307, `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
	}
	return {};
}
