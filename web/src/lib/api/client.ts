// The typed API client: openapi-fetch over the types generated from the server's own
// OpenAPI document (schema.d.ts, `npm run gen:api`). Same origin, relative URLs, the
// session cookie sent by the browser; this module adds the CSRF header to changes, turns
// 401 into "go to sign-in", and every non-2xx answer into an ApiError that carries the
// messages of Gong's error body `{requestId, errors: [...]}`.

import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import type { SessionStore } from './session';

export type Api = Client<paths>;

export class ApiError extends Error {
	readonly status: number;
	/** The `errors` of the body, or one generic message when the body is not Gong's. */
	readonly messages: string[];
	readonly requestId?: string;

	constructor(status: number, messages: string[], requestId?: string) {
		super(messages.join(' '));
		this.name = 'ApiError';
		this.status = status;
		this.messages = messages;
		this.requestId = requestId;
	}
}

/** The ApiError of a non-2xx answer, from whatever body it had (parsed JSON, text, nothing). */
export function apiErrorOf(status: number, body: unknown): ApiError {
	if (body && typeof body === 'object') {
		const b = body as { requestId?: unknown; errors?: unknown };
		const errors = Array.isArray(b.errors) ? b.errors.filter((e): e is string => typeof e === 'string' && e !== '') : [];
		const requestId = typeof b.requestId === 'string' ? b.requestId : undefined;
		if (errors.length) return new ApiError(status, errors, requestId);
		return new ApiError(status, [genericMessage(status)], requestId);
	}
	return new ApiError(status, [genericMessage(status)]);
}

function genericMessage(status: number): string {
	if (status === 401) return 'You are not signed in.';
	if (status === 403) return 'You may not do this.';
	if (status === 404) return 'Not found.';
	if (status === 429) return 'Too many requests; wait a moment and try again.';
	if (status >= 500) return `The server failed (HTTP ${status}).`;
	return `The request failed (HTTP ${status}).`;
}

/** The data of a 2xx answer, or throws the answer's ApiError. */
export async function unwrap<T>(
	pending: Promise<{ data?: T; error?: unknown; response: Response }>
): Promise<T> {
	const { data, error, response } = await pending;
	if (!response.ok) throw apiErrorOf(response.status, error);
	return data as T;
}

const SIGN_IN = '/parley/v1/session';

export interface ApiOptions {
	session: SessionStore;
	/** Called once a request of a signed-in page answers 401 (the session has ended). */
	onUnauthorized: () => void;
	fetch?: typeof globalThis.fetch;
	/** '' in the app: same origin as the page. */
	baseUrl?: string;
}

export function createApi(opts: ApiOptions): Api {
	const client = createClient<paths>({
		baseUrl: opts.baseUrl ?? '',
		credentials: 'same-origin',
		fetch: opts.fetch,
		headers: { accept: 'application/json' }
	});
	const middleware: Middleware = {
		onRequest({ request }) {
			if (request.method !== 'GET' && request.method !== 'HEAD') {
				const csrf = opts.session.get()?.csrfToken;
				if (csrf) request.headers.set('x-csrf-token', csrf);
			}
			return request;
		},
		onResponse({ request, response }) {
			const isSignIn = new URL(request.url, 'http://x').pathname === SIGN_IN && request.method === 'POST';
			if (response.status === 401 && !isSignIn) {
				opts.session.clear();
				opts.onUnauthorized();
			}
			return response;
		}
	};
	client.use(middleware);
	return client;
}
