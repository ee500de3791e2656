import { describe, expect, it } from 'vitest';
import { playableSrc } from './media';

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
