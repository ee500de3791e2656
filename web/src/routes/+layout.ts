// A single-page app: no server rendering, nothing prerendered; the Rust server answers
// every non-API, non-asset path with index.html (SPA fallback) and the router takes over.
import { redirect } from '@sveltejs/kit';
import { session } from '$lib/api';
import { isPublicPath, restoreSession } from '$lib/api/session';

export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';

export async function load({ url, fetch }) {
	// Without a live session only sign-in (and the first-run set-up, a reset link's page and a
	// call shared outside the company, /shared/<token>) is shown: its CSRF token is in localStorage, or
	// the server gives it again for the session cookie (GET /parley/v1/session). The
	// cookie is the real credential: a 401 from any call also leads here.
	if (!isPublicPath(url.pathname) && !(await restoreSession(session, fetch))) {
		redirect(307, `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`);
	}
	return {};
}
