import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { Cancelled, mediaForm, mediaPath, uploadMedia } from './xhrUpload';

class FakeXhr {
	method = '';
	url = '';
	headers: Record<string, string> = {};
	withCredentials = false;
	responseType = '';
	status = 0;
	responseText = '';
	body: unknown;
	upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
	onload: (() => void) | null = null;
	onerror: (() => void) | null = null;
	ontimeout: (() => void) | null = null;
	onabort: (() => void) | null = null;
	open(m: string, u: string) {
		this.method = m;
		this.url = u;
	}
	setRequestHeader(k: string, v: string) {
		this.headers[k] = v;
	}
	send(b: unknown) {
		this.body = b;
	}
	abort() {
		this.onabort?.();
	}
	answer(status: number, body: string) {
		this.status = status;
		this.responseText = body;
		this.onload?.();
	}
}

function setup(csrf = 'tok') {
	const x = new FakeXhr();
	let cleared = 0;
	let unauthorized = 0;
	const progress: [number, number][] = [];
	const h = uploadMedia('42', mediaForm(new Blob(['abc'], { type: 'audio/wav' }), 'a.wav'), {
		session: { get: () => (csrf ? { userId: '1', csrfToken: csrf, expires: '' } : undefined), set() {}, clear: () => void cleared++ },
		onUnauthorized: () => void unauthorized++,
		onProgress: (l, t) => progress.push([l, t]),
		xhr: () => x as unknown as XMLHttpRequest
	});
	return { x, h, progress, counts: () => ({ cleared, unauthorized }) };
}

/** The rejection of an upload, as the ApiError (or Cancelled) it is. */
const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error('resolved'); }, (e) => e as ApiError);

describe('media upload over XMLHttpRequest', () => {
	it('PUTs the multipart body with the CSRF header and reports progress', async () => {
		const { x, h, progress } = setup();
		expect([x.method, x.url, x.withCredentials]).toEqual(['PUT', '/v2/calls/42/media', true]);
		expect(x.headers['x-csrf-token']).toBe('tok');
		expect((x.body as FormData).get('mediaFile')).toBeInstanceOf(Blob);
		x.upload.onprogress?.({ lengthComputable: true, loaded: 1, total: 3 } as ProgressEvent);
		x.upload.onprogress?.({ lengthComputable: false, loaded: 2, total: 0 } as ProgressEvent);
		x.answer(201, '{"requestId":"r","callId":"42","url":"u"}');
		expect(await h.done).toEqual({ requestId: 'r', callId: '42', url: 'u' });
		expect(progress).toEqual([[1, 3]]);
	});
	it("turns Gong's error body into an ApiError", async () => {
		const { x, h } = setup();
		x.answer(413, '{"requestId":"r9","errors":["mediaFile is larger than the 10 byte limit"]}');
		const e = await rejection(h.done);
		expect(e).toBeInstanceOf(ApiError);
		expect([e.status, e.messages, e.requestId]).toEqual([413, ['mediaFile is larger than the 10 byte limit'], 'r9']);
	});
	it('a non-JSON answer gets the generic message; 401 ends the session', async () => {
		const a = setup();
		a.x.answer(502, '<html>bad gateway</html>');
		expect((await rejection(a.h.done)).messages).toEqual(['The server failed (HTTP 502).']);
		const b = setup();
		b.x.answer(401, '');
		expect((await rejection(b.h.done)).status).toBe(401);
		expect(b.counts()).toEqual({ cleared: 1, unauthorized: 1 });
	});
	it('cancel rejects with Cancelled; a network failure says so', async () => {
		const a = setup();
		a.h.abort();
		expect(await rejection(a.h.done)).toBeInstanceOf(Cancelled);
		const b = setup('');
		expect(b.x.headers['x-csrf-token']).toBeUndefined();
		b.x.onerror?.();
		expect((await rejection(b.h.done)).messages[0]).toMatch(/interrupted/);
	});
	it('escapes the id in the path', () => {
		expect(mediaPath('1/2')).toBe('/v2/calls/1%2F2/media');
	});
});
