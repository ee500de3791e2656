// Who is signed in and what they may manage (`GET /parley/v1/session`), read once per
// app load and after each sign-in, for showing only what the user can use. The server
// still decides every request; this only hides what would be refused.

import { api, unwrap, type components } from '$lib/api';

export type Me = components['schemas']['CurrentSession'];

const state = $state<{ me: Me | undefined; loaded: boolean }>({ me: undefined, loaded: false });

export const me = {
	get current(): Me | undefined {
		return state.me;
	},
	/** True once the session was asked for (whatever the answer). */
	get loaded(): boolean {
		return state.loaded;
	}
};

let pending: Promise<Me | undefined> | undefined;

/** Asks the server again (at most one request at a time). */
export function loadMe(): Promise<Me | undefined> {
	pending ??= unwrap(api.GET('/parley/v1/session'))
		.then((m) => (state.me = m))
		.catch(() => (state.me = undefined))
		.finally(() => {
			state.loaded = true;
			pending = undefined;
		});
	return pending;
}

export function forgetMe() {
	state.me = undefined;
	state.loaded = false;
}
