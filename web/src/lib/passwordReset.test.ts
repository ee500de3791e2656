import { describe, expect, it } from 'vitest';
import { resetTokenOf, withoutToken } from './passwordReset';

describe('the reset link', () => {
	it('reads the token, or none', () => {
		expect(resetTokenOf(new URLSearchParams('token=abc-123_XYZ'))).toBe('abc-123_XYZ');
		expect(resetTokenOf(new URLSearchParams('token=%20abc%20'))).toBe('abc');
		expect(resetTokenOf(new URLSearchParams('token='))).toBeUndefined();
		expect(resetTokenOf(new URLSearchParams('token=%20'))).toBeUndefined();
		expect(resetTokenOf(new URLSearchParams(''))).toBeUndefined();
		expect(resetTokenOf(new URLSearchParams('tok=abc'))).toBeUndefined();
	});
	it('takes the token out of the address, keeping the rest', () => {
		expect(withoutToken(new URL('https://parley.example.com/reset-password?token=abc'))).toBe('/reset-password');
		expect(withoutToken(new URL('https://parley.example.com/reset-password?token=abc&lang=en#form'))).toBe('/reset-password?lang=en#form');
		expect(withoutToken(new URL('https://parley.example.com/reset-password?a=1&token=abc&token=def'))).toBe('/reset-password?a=1');
		expect(withoutToken(new URL('https://parley.example.com/reset-password'))).toBe('/reset-password');
	});
});

describe('the page', () => {
	it('is shown without a session, like sign-in and set-up', async () => {
		const { PUBLIC_PATHS } = await import('./api/session');
		expect([...PUBLIC_PATHS]).toEqual(['/sign-in', '/setup', '/reset-password']);
	});
});
