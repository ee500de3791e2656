// The app's one API client and session store (browser only: the app is a SPA, ssr=false).

import { goto } from '$app/navigation';
import { createApi } from './client';
import { storageSession } from './session';

export { ApiError, unwrap } from './client';
export type { components, paths } from './schema';

export const session = storageSession(localStorage);

export const api = createApi({
	session,
	onUnauthorized() {
		const here = location.pathname + location.search;
		if (location.pathname !== '/sign-in') void goto(`/sign-in?next=${encodeURIComponent(here)}`);
	}
});
