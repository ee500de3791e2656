import { describe, expect, it } from 'vitest';
import { commentMarkers, commentParts, insertMention, mentionMarkup, mentionQuery, threads } from './comments';

describe('mentions', () => {
	it('splits text and mentions', () => {
		expect(commentParts('Hi @[Ada Lovelace](1001), see @[Bob](2) now')).toEqual([
			{ text: 'Hi ' },
			{ mention: 'Ada Lovelace', userId: '1001' },
			{ text: ', see ' },
			{ mention: 'Bob', userId: '2' },
			{ text: ' now' }
		]);
		expect(commentParts('@[A](1)')).toEqual([{ mention: 'A', userId: '1' }]);
	});
	it('leaves what only looks like a mention as text', () => {
		expect(commentParts('mail @[x](abc) or @[y]')).toEqual([{ text: 'mail @[x](abc) or @[y]' }]);
		expect(commentParts('')).toEqual([]);
	});
	it('writes the markup without characters that would break it', () => {
		expect(mentionMarkup('Ada (CTO) [x]', '7')).toBe('@[Ada CTO x](7)');
	});
	it('finds the @word before the caret', () => {
		expect(mentionQuery('Hello @gr', 9)).toEqual({ start: 6, query: 'gr' });
		expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
		expect(mentionQuery('mail a@b', 8)).toBeUndefined();
		expect(mentionQuery('Hello @gr and', 13)).toBeUndefined();
	});
	it('inserts a mention in place of the @word', () => {
		expect(insertMention('Hello @gr!', 6, 9, 'Grace Hopper', '2')).toEqual({ text: 'Hello @[Grace Hopper](2) !', caret: 25 });
	});
});

describe('threads', () => {
	const c = (id: string, at: number, posted: string, inReplyTo: string | null = null) => ({
		id, audioStartTime: at, audioEndTime: at, commenterUserId: '1', comment: id, posted, inReplyTo, duringCall: false, public: true
	});
	it('orders by moment, then posting; replies under their comment', () => {
		const t = threads([c('b', 30, '2024-01-02'), c('r2', 0, '2024-01-05', 'a'), c('a', 10, '2024-01-03'), c('r1', 0, '2024-01-04', 'a'), c('z', 10, '2024-01-01'), c('o', 5, '2024-01-01', 'gone')]);
		expect(t.map((x) => x.comment.id)).toEqual(['o', 'z', 'a', 'b']);
		expect(t[2]!.replies.map((r) => r.id)).toEqual(['r1', 'r2']);
	});
});

describe('commentMarkers', () => {
	const c = (id: string, at: number, comment: string, inReplyTo: string | null = null) => ({
		id, audioStartTime: at, audioEndTime: at, commenterUserId: '1', comment, posted: '2024-01-01', inReplyTo, duringCall: false, public: true
	});
	it('marks top-level comments within the timeline, with their text', () => {
		const m = commentMarkers([c('a', 50, 'Ask @[Grace](2)\nnow'), c('b', 10, 'x'.repeat(80)), c('r', 20, 'reply', 'a'), c('z', 120, 'late')], 100);
		expect(m.map((x) => [x.at, x.left])).toEqual([[10, 10], [50, 50]]);
		expect(m[1]!.label).toBe('Ask @Grace now');
		expect(m[0]!.label).toHaveLength(60);
		expect(commentMarkers([c('a', 1, 'x')], 0)).toEqual([]);
	});
});
