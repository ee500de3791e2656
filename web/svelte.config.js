import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: every non-asset, non-API path gets dist/index.html from the
		// server (SPA fallback), and the router takes it from there. Nothing is prerendered.
		adapter: adapter({
			pages: 'dist',
			assets: 'dist',
			fallback: 'index.html',
			precompress: false,
			strict: true
		}),
		// SvelteKit's fallback page carries one inline bootstrap <script> (it starts the
		// app with the generated entry's hashed file names). With mode 'hash' SvelteKit
		// writes its sha256 into a <meta http-equiv="content-security-policy"> in
		// index.html, so no 'unsafe-inline' is needed anywhere: see docs/ui.md.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self'],
				// SvelteKit's route announcer (#svelte-announcer, for screen readers) has one
				// fixed style attribute (sveltejs/kit#11993); allow exactly that string and
				// no other inline style. The hash is of kit 2.70.4's attribute: the e2e
				// smoke fails on any CSP violation, so an upgrade that changes it shows.
				'style-src-attr': ['unsafe-hashes', 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='],
				'img-src': ['self', 'data:'],
				'media-src': ['self'],
				'connect-src': ['self'],
				'font-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		},
		// Assets live under /_app/ (hashed, immutable under /_app/immutable/).
		appDir: '_app',
		version: { pollInterval: 0 }
	}
};

export default config;
