// The API's call `url` field is `{public_url}/call?id=<id>` (Gong's shape): send it to
// the call page.
import { redirect } from '@sveltejs/kit';

export function load({ url }) {
	const id = url.searchParams.get('id');
	redirect(307, id && /^\d{1,19}$/.test(id) ? `/calls/${id}` : '/calls');
}
