// Which URL the call page's <audio> plays.

import type { components } from './api/schema';

type Media = components['schemas']['Media'];

/**
 * The recording to play: `media.audioUrl`, else `videoUrl` (an <audio> element plays a
 * video file's sound), as a same-origin path. The server signs these URLs as
 * `{public_url}/parley/v1/calls/{id}/media?expires=…&signature=…`; the signature does not
 * cover the host, and the page is served by that same server, so keeping only the path and
 * query lets the page reach it under whatever address it was opened at, and keeps the CSP
 * at `media-src 'self'`. Anything that is not that route is refused (undefined).
 */
export function playableSrc(media: Media | null | undefined, pageOrigin: string): string | undefined {
	const raw = media?.audioUrl || media?.videoUrl;
	if (!raw) return undefined;
	let url: URL;
	try {
		url = new URL(raw, pageOrigin);
	} catch {
		return undefined;
	}
	if (!/^\/parley\/v1\/calls\/\d{1,19}\/media$/.test(url.pathname)) return undefined;
	return url.pathname + url.search;
}
