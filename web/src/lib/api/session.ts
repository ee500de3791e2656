// What the browser keeps of a session. The session token itself is in the HttpOnly
// `parley_session` cookie, out of reach of scripts; the CSRF token that every change
// (any method but GET/HEAD) must carry in `x-csrf-token` comes in sign-in's answer only,
// so it is kept here, in localStorage, so that a reload or a second tab keeps working.

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

/**
 * Where to go after signing in: only a path of this site (starting with one `/`), so a
 * crafted `?next=https://evil.example` or `//evil.example` cannot send the user away.
 */
export function safeNext(next: string | null | undefined, fallback = '/calls'): string {
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
	if (next === '/sign-in' || next.startsWith('/sign-in?')) return fallback;
	return next;
}
