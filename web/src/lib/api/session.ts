// What the browser keeps of a session. The session token itself is in the HttpOnly
// `parley_session` cookie, out of reach of scripts; the CSRF token that every change
// (any method but GET/HEAD) must carry in `x-csrf-token` comes in sign-in's answer, and is
// kept here, in localStorage, so that a reload or a second tab keeps working. When
// localStorage holds nothing (cleared, another profile's tab), `restoreSession` asks
// `GET /parley/v1/session` for it: the cookie alone is enough to carry on.

import type { paths } from './schema';

export interface SessionInfo {
	userId: string;
	csrfToken: string;
	/** RFC 3339. */
	expires: string;
}

const KEY = 'parley.session';

export interface SessionStore {
	get(): SessionInfo | undefined;
	set(s: SessionInfo): void;
	clear(): void;
}

/** A store over a Web Storage object; a corrupt or expired entry reads as no session. */
export function storageSession(storage: Storage, now: () => number = Date.now): SessionStore {
	return {
		get() {
			let s: SessionInfo;
			try {
				const raw = storage.getItem(KEY);
				if (!raw) return undefined;
				s = JSON.parse(raw);
			} catch {
				return undefined;
			}
			if (typeof s?.csrfToken !== 'string' || typeof s.userId !== 'string') return undefined;
			const ends = Date.parse(s.expires);
			if (!Number.isNaN(ends) && ends <= now()) {
				storage.removeItem(KEY);
				return undefined;
			}
			return s;
		},
		set(s) {
			storage.setItem(KEY, JSON.stringify(s));
		},
		clear() {
			storage.removeItem(KEY);
		}
	};
}

/** What the browser keeps of sign-in's (or the first-run set-up's) answer, `SignedIn`. */
export function sessionOf(signedIn: SessionInfo): SessionInfo {
	return { userId: signedIn.userId, csrfToken: signedIn.csrfToken, expires: signedIn.expires };
}

/** Pages shown without a session, and without the app's header: sign-in, first-run set-up and
 * a reset link's new password. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/sign-in', '/setup', '/reset-password']);

/** A call shared outside the company (`/shared/<token>`): one path segment after the prefix,
 * the token being the credential. Not `/shared` itself, nor `/shared/x/y`, nor `/sharedx`. */
const SHARED_PATH = /^\/shared\/[^/]+$/;

/** Whether a page is shown without a session (and without the app's header): the
 * PUBLIC_PATHS, and a shared call's page. Every other path needs a session. */
export function isPublicPath(pathname: string): boolean {
	return PUBLIC_PATHS.has(pathname) || SHARED_PATH.test(pathname);
}

/**
 * Where to go after signing in: only a path of this site (starting with one `/`), so a
 * crafted `?next=https://evil.example` or `//evil.example` cannot send the user away.
 */
export function safeNext(next: string | null | undefined, fallback = '/calls'): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
	if (next === '/sign-in' || next.startsWith('/sign-in?')) return fallback;
	return next;
}

/** What `GET /parley/v1/session` answers (200). */
type CurrentSession = paths['/parley/v1/session']['get']['responses'][200]['content']['application/json'];

/**
 * The session this tab keeps, else the one its cookie carries (`GET /parley/v1/session`,
 * kept for next time); `undefined` when there is none (401) or the server cannot say.
 */
export async function restoreSession(
	store: SessionStore,
	fetchFn: typeof fetch = fetch
): Promise<SessionInfo | undefined> {
	const kept = store.get();
	if (kept) return kept;
	let body: CurrentSession;
	try {
		const r = await fetchFn('/parley/v1/session', {
			credentials: 'same-origin',
			headers: { accept: 'application/json' }
		});
		if (!r.ok) return undefined;
		body = await r.json();
	} catch {
		return undefined;
	}
	if (typeof body?.csrfToken !== 'string' || typeof body.userId !== 'string') return undefined;
	const s: SessionInfo = { userId: body.userId, csrfToken: body.csrfToken, expires: body.expires };
	store.set(s);
	return s;
}
