import { describe, expect, it } from 'vitest';
import { playableMedia, playableSrc } from './media';

const origin = 'http://127.0.0.1:8080';

describe('playableSrc', () => {
	it('keeps the path and signature of a signed URL, whatever its host', () => {
		expect(
			playableSrc({ audioUrl: 'https://parley.example.com/parley/v1/calls/42/media?expires=1700000000&signature=a-b_c' }, origin)
		).toBe('/parley/v1/calls/42/media?expires=1700000000&signature=a-b_c');
		expect(playableSrc({ audioUrl: '/parley/v1/calls/42/media' }, origin)).toBe('/parley/v1/calls/42/media');
	});

	it('falls back to the video URL, and is undefined without media', () => {
		expect(playableSrc({ audioUrl: null, videoUrl: 'http://x/parley/v1/calls/7/media?expires=1&signature=s' }, origin)).toBe(
			'/parley/v1/calls/7/media?expires=1&signature=s'
		);
		expect(playableSrc({ audioUrl: null, videoUrl: null }, origin)).toBeUndefined();
		expect(playableSrc(null, origin)).toBeUndefined();
		expect(playableSrc(undefined, origin)).toBeUndefined();
	});

	it('refuses URLs that are not the media route', () => {
		expect(playableSrc({ audioUrl: 'https://cdn.example.com/rec.mp3' }, origin)).toBeUndefined();
		expect(playableSrc({ audioUrl: 'javascript:alert(1)' }, origin)).toBeUndefined();
		expect(playableSrc({ audioUrl: '/parley/v1/calls/42/media/../../keys' }, origin)).toBeUndefined();
	});
});

describe('playableMedia', () => {
	const signed = (id: number) => `https://parley.example.com/parley/v1/calls/${id}/media?expires=1&signature=s`;
	it('is a video when the server gave a videoUrl, same-origin as the audio', () => {
		expect(playableMedia({ audioUrl: signed(7), videoUrl: signed(7) }, origin)).toEqual({ src: '/parley/v1/calls/7/media?expires=1&signature=s', video: true });
		expect(playableMedia({ audioUrl: null, videoUrl: signed(7) }, origin)).toEqual({ src: '/parley/v1/calls/7/media?expires=1&signature=s', video: true });
	});

	it('is audio without a videoUrl, or when the videoUrl is not the media route', () => {
		expect(playableMedia({ audioUrl: signed(8), videoUrl: null }, origin)).toEqual({ src: '/parley/v1/calls/8/media?expires=1&signature=s', video: false });
		expect(playableMedia({ audioUrl: signed(8), videoUrl: 'https://cdn.example.com/rec.mp4' }, origin)).toEqual({
			src: '/parley/v1/calls/8/media?expires=1&signature=s',
			video: false
		});
	});

	it('is undefined without a playable recording', () => {
		expect(playableMedia({ audioUrl: null, videoUrl: null }, origin)).toBeUndefined();
		expect(playableMedia({ audioUrl: 'javascript:alert(1)', videoUrl: 'https://cdn.example.com/x.mp4' }, origin)).toBeUndefined();
		expect(playableMedia(undefined, origin)).toBeUndefined();
	});
});
