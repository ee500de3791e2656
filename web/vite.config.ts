import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: {
		// `npm run dev` against a local `parley serve` (default port 8080): the API is
		// same-origin in production, so the dev server proxies it.
		proxy: {
			'/v2': 'http://127.0.0.1:8080',
			'/parley': 'http://127.0.0.1:8080'
		}
	},
	build: {
		// Small and modern: the server serves the files, browsers are evergreen.
		target: 'es2022'
	},
	test: {
		include: ['src/**/*.test.ts'],
		environment: 'happy-dom'
	}
});
