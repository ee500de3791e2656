// The app's one API client and session store (browser only: the app is a SPA, ssr=false).

import { goto } from '$app/navigation';
import { createApi } from './client';
import { isPublicPath, storageSession } from './session';
import { mediaForm, uploadMedia } from './xhrUpload';

export { Cancelled } from './xhrUpload';

export { ApiError, unwrap } from './client';
export type { components, paths } from './schema';

export const session = storageSession(localStorage);

function onUnauthorized() {
	const here = location.pathname + location.search;
	if (!isPublicPath(location.pathname)) void goto(`/sign-in?next=${encodeURIComponent(here)}`);
}

export const api = createApi({ session, onUnauthorized });

/** `PUT /v2/calls/{id}/media` with upload progress (XMLHttpRequest; see xhrUpload.ts). */
export function uploadCallMedia<T>(callId: string, file: Blob, fileName: string, onProgress: (loaded: number, total: number) => void) {
	return uploadMedia<T>(callId, mediaForm(file, fileName), { session, onUnauthorized, onProgress });
}
