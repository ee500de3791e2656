import { describe, expect, it, vi } from 'vitest';
import { ApiError, apiErrorOf, createApi, unwrap } from './client';
import { isPublicPath, restoreSession, safeNext, storageSession, type SessionInfo } from './session';

const signedIn: SessionInfo = { userId: '7', csrfToken: 'csrf-123', expires: '2999-01-01T00:00:00Z' };

function json(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function setup(answer: (req: Request) => Response) {
	localStorage.clear();
	const session = storageSession(localStorage);
	const seen: Request[] = [];
	const onUnauthorized = vi.fn();
	const api = createApi({
		session,
		onUnauthorized,
		baseUrl: 'http://parley.test',
		fetch: async (input: RequestInfo | URL) => {
			const req = input as Request;
			seen.push(req);
			return answer(req);
		}
	});
	return { api, session, seen, onUnauthorized };
}

describe('apiErrorOf', () => {
	it("carries the Gong error body's messages and request id", () => {
		const e = apiErrorOf(400, { requestId: 'r1', errors: ['fromDateTime is not a date', 'cursor is stale'] });
		expect(e).toBeInstanceOf(ApiError);
		expect(e.status).toBe(400);
		expect(e.messages).toEqual(['fromDateTime is not a date', 'cursor is stale']);
		expect(e.requestId).toBe('r1');
		expect(e.message).toBe('fromDateTime is not a date cursor is stale');
	});

	it('falls back to a generic message for other bodies', () => {
		expect(apiErrorOf(502, '<html>bad gateway</html>').messages).toEqual(['The server failed (HTTP 502).']);
		expect(apiErrorOf(404, { requestId: 'r2', errors: [] }).messages).toEqual(['Not found.']);
		expect(apiErrorOf(404, { requestId: 'r2', errors: [] }).requestId).toBe('r2');
		expect(apiErrorOf(429, undefined).messages[0]).toMatch(/Too many/);
	});
});

describe('createApi', () => {
	it('sends the CSRF token on changes only', async () => {
		const { api, session, seen } = setup(() => json(200, { requestId: 'r', records: {}, calls: [] }));
		session.set(signedIn);
		await api.GET('/v2/calls', { params: { query: { fromDateTime: '2024-01-01T00:00:00Z' } } });
		await api.POST('/v2/calls/extensive', { body: { filter: { callIds: ['1'] } } });
		expect(seen[0]!.url).toBe('http://parley.test/v2/calls?fromDateTime=2024-01-01T00%3A00%3A00Z');
		expect(seen[0]!.headers.get('x-csrf-token')).toBeNull();
		expect(seen[1]!.method).toBe('POST');
		expect(seen[1]!.headers.get('x-csrf-token')).toBe('csrf-123');
		expect(await seen[1]!.json()).toEqual({ filter: { callIds: ['1'] } });
	});

	it('on 401 forgets the session and asks for sign-in; unwrap throws the messages', async () => {
		const { api, session, onUnauthorized } = setup(() => json(401, { requestId: 'r9', errors: ['session expired'] }));
		session.set(signedIn);
		const err = await unwrap(api.GET('/v2/calls')).catch((e) => e);
		expect(err).toBeInstanceOf(ApiError);
		expect(err.status).toBe(401);
		expect(err.messages).toEqual(['session expired']);
		expect(onUnauthorized).toHaveBeenCalledOnce();
		expect(session.get()).toBeUndefined();
	});

	it('does not treat a failed sign-in as an ended session', async () => {
		const { api, onUnauthorized } = setup(() => json(403, { requestId: 'r3', errors: ['wrong email or password'] }));
		const err = await unwrap(api.POST('/parley/v1/session', { body: { email: 'a@b.c', password: 'x' } })).catch((e) => e);
		expect(err.status).toBe(403);
		expect(err.messages).toEqual(['wrong email or password']);
		expect(onUnauthorized).not.toHaveBeenCalled();
	});

	it('unwrap returns the data of a 2xx answer', async () => {
		const { api } = setup(() => json(200, { requestId: 'r', userId: '7', csrfToken: 'c', expires: 'x' }));
		const data = await unwrap(api.POST('/parley/v1/session', { body: { email: 'a@b.c', password: 'pw' } }));
		expect(data.csrfToken).toBe('c');
	});
});

describe('session store and safeNext', () => {
	it('reads back what it stored, and forgets expired or corrupt entries', () => {
		localStorage.clear();
		let now = Date.parse('2030-01-01T00:00:00Z');
		const s = storageSession(localStorage, () => now);
		expect(s.get()).toBeUndefined();
		s.set({ ...signedIn, expires: '2030-01-01T01:00:00Z' });
		expect(s.get()?.csrfToken).toBe('csrf-123');
		now += 3_600_000;
		expect(s.get()).toBeUndefined();
		localStorage.setItem('parley.session', '{not json');
		expect(s.get()).toBeUndefined();
		s.set(signedIn);
		s.clear();
		expect(s.get()).toBeUndefined();
	});

	it('only follows paths of this site after sign-in', () => {
		expect(safeNext('/calls/12?t=5')).toBe('/calls/12?t=5');
		expect(safeNext(null)).toBe('/calls');
		expect(safeNext('https://evil.example/')).toBe('/calls');
		expect(safeNext('//evil.example/')).toBe('/calls');
		expect(safeNext('/\\evil.example')).toBe('/calls');
		expect(safeNext('/sign-in?next=/x')).toBe('/calls');
	});
});

describe('isPublicPath', () => {
	it('shows sign-in, set-up, a reset link and a shared call without a session', () => {
		for (const p of ['/sign-in', '/setup', '/reset-password', '/shared/abc-DEF_123', '/shared/x']) expect(isPublicPath(p), p).toBe(true);
	});

	it('keeps every other path behind sign-in, near misses of /shared/<token> too', () => {
		for (const p of [
			'/',
			'/calls',
			'/calls/7100000000000000001',
			'/settings',
			'/shared',
			'/shared/',
			'/shared/abc/',
			'/shared/abc/media',
			'/sharedx/abc',
			'/shared-calls/abc',
			'/SHARED/abc',
			'/calls/shared/abc',
			'/sign-in/x',
			'/parley/v1/shared/abc'
		])
			expect(isPublicPath(p), p).toBe(false);
	});
});

describe('restoreSession', () => {
	const info: SessionInfo = { userId: '7', csrfToken: 'c1', expires: '2999-01-01T00:00:00Z' };
	const answer = (status: number, body: unknown) =>
		vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));

	it('keeps what localStorage holds without asking the server', async () => {
		localStorage.clear();
		const s = storageSession(localStorage);
		s.set(info);
		const f = answer(500, {});
		expect(await restoreSession(s, f)).toEqual(info);
		expect(f).not.toHaveBeenCalled();
	});

	it("asks GET /parley/v1/session for the cookie's session and keeps it", async () => {
		localStorage.clear();
		const s = storageSession(localStorage);
		const f = answer(200, { requestId: 'r', userId: '7', email: 'a@b.c', name: 'A B', role: 'member', csrfToken: 'c1', expires: '2999-01-01T00:00:00Z' });
		expect(await restoreSession(s, f)).toEqual(info);
		expect(f).toHaveBeenCalledWith('/parley/v1/session', expect.objectContaining({ credentials: 'same-origin' }));
		expect(s.get()).toEqual(info);
	});

	it('is no session on a 401, a broken answer or a network failure', async () => {
		for (const f of [
			answer(401, { requestId: 'r', errors: ['Unauthorized'] }),
			answer(200, { nope: 1 }),
			vi.fn(async () => {
				throw new TypeError('offline');
			})
		]) {
			localStorage.clear();
			const s = storageSession(localStorage);
			expect(await restoreSession(s, f)).toBeUndefined();
			expect(s.get()).toBeUndefined();
		}
	});
});
