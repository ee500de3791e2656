// Which URL the call page's player plays, and whether it is an <audio> or a <video>.

import type { components } from './api/schema';

type Media = components['schemas']['Media'];

/**
 * `raw` as a same-origin path, when it is the media route; else undefined. The server signs
 * media URLs as `{public_url}/parley/v1/calls/{id}/media?expires=…&signature=…`; the
 * signature does not cover the host, and the page is served by that same server, so keeping
 * only the path and query lets the page reach it under whatever address it was opened at,
 * and keeps the CSP at `media-src 'self'`. Anything that is not that route is refused.
 */
function sameOriginMedia(raw: string | null | undefined, pageOrigin: string): string | undefined {
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

/**
 * The recording to play: `media.audioUrl`, else `videoUrl` (an <audio> element plays a
 * video file's sound), as a same-origin path (see `sameOriginMedia`); undefined when there
 * is none, or it is not the media route.
 */
export function playableSrc(media: Media | null | undefined, pageOrigin: string): string | undefined {
	return sameOriginMedia(media?.audioUrl || media?.videoUrl, pageOrigin);
}

/** What the call page's player is: its same-origin `src`, and whether to show pictures. */
export interface Playable {
	src: string;
	video: boolean;
}

/**
 * The player for a call's media: a <video> when the server gave a `videoUrl` (it does only
 * when the recording has a video track, and it is the same file as `audioUrl`), under the
 * same same-origin rule; else an <audio> of `playableSrc`. Undefined without a recording.
 */
export function playableMedia(media: Media | null | undefined, pageOrigin: string): Playable | undefined {
	const video = sameOriginMedia(media?.videoUrl, pageOrigin);
	if (video) return { src: video, video: true };
	const src = playableSrc(media, pageOrigin);
	return src ? { src, video: false } : undefined;
}
