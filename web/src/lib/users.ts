// Every user's name (GET /v2/users, all pages), for the pages that show user ids.
import { api, unwrap, type components } from '$lib/api';

export type UserWire = components['schemas']['UserWire'];

/** All users, or as many as were read before a failure: names are a nicety, and a page
 * without them shows email addresses or ids instead. */
export async function loadUsers(): Promise<UserWire[]> {
	const out: UserWire[] = [];
	let cursor: string | undefined;
	try {
		for (let i = 0; i < 100; i++) {
			const data = await unwrap(api.GET('/v2/users', { params: { query: cursor ? { cursor } : {} } }));
			out.push(...data.users);
			cursor = data.records.cursor ?? undefined;
			if (!cursor) break;
		}
	} catch {
		// See above.
	}
	return out;
}

export function userName(u: { firstName?: string; lastName?: string; emailAddress?: string } | undefined): string | undefined {
	if (!u) return undefined;
	return `${u.firstName ?? ''} ${u.lastName ?? ''}`.trim() || u.emailAddress;
}
