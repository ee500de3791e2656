// `PUT /v2/calls/{id}/media` with upload progress. fetch has no upload progress, so this
// one request goes through XMLHttpRequest, with what client.ts gives every other request:
// the CSRF header, 401 → the session is over, and a non-2xx answer → ApiError from
// Gong's error body.

import { apiErrorOf, ApiError } from './client';
import type { SessionStore } from './session';

export interface UploadHandle<T> {
	done: Promise<T>;
	abort(): void;
}

/** Thrown (as the rejection of `done`) when the user cancelled. */
export class Cancelled extends Error {
	constructor() {
		super('cancelled');
		this.name = 'Cancelled';
	}
}

export interface XhrUploadOptions {
	session: SessionStore;
	onUnauthorized: () => void;
	onProgress?: (loaded: number, total: number) => void;
	/** Tests give a fake. */
	xhr?: () => XMLHttpRequest;
}

export function mediaPath(callId: string): string {
	return `/v2/calls/${encodeURIComponent(callId)}/media`;
}

/** The multipart body: the file as `mediaFile`, which is all the server reads. */
export function mediaForm(file: Blob, fileName: string): FormData {
	const form = new FormData();
	form.append('mediaFile', file, fileName);
	return form;
}

export function uploadMedia<T = unknown>(callId: string, body: FormData, opts: XhrUploadOptions): UploadHandle<T> {
	const xhr = opts.xhr ? opts.xhr() : new XMLHttpRequest();
	let cancelled = false;
	const done = new Promise<T>((resolve, reject) => {
		xhr.open('PUT', mediaPath(callId));
		xhr.withCredentials = true;
		xhr.setRequestHeader('accept', 'application/json');
		const csrf = opts.session.get()?.csrfToken;
		if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
		xhr.responseType = 'text';
		xhr.upload.onprogress = (e: ProgressEvent) => {
			if (e.lengthComputable) opts.onProgress?.(e.loaded, e.total);
		};
		xhr.onload = () => {
			let parsed: unknown;
			try {
				parsed = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
			} catch {
				parsed = xhr.responseText;
			}
			if (xhr.status >= 200 && xhr.status < 300) return resolve(parsed as T);
			if (xhr.status === 401) {
				opts.session.clear();
				opts.onUnauthorized();
			}
			reject(apiErrorOf(xhr.status, parsed));
		};
		xhr.onerror = () =>
			reject(
				new ApiError(0, [
					'The upload was interrupted: the connection failed, or the server closed it before the whole file was sent (a file over its size limit can end this way).'
				])
			);
		xhr.ontimeout = xhr.onerror;
		xhr.onabort = () => reject(new Cancelled());
		xhr.send(body);
	});
	return {
		done,
		abort() {
			if (!cancelled) {
				cancelled = true;
				xhr.abort();
			}
		}
	};
}
