// A Settings section's reading of its list: whether it is under way and how it failed. The
// state is a plain object, which a component makes reactive with `$state(loadState())`; the
// markup that goes with it is components/settings/Loaded.svelte.

export interface LoadState {
	/** True from the start (nothing read yet) and while a reading is under way. */
	loading: boolean;
	/** The last reading's failure (undefined once a reading starts again). */
	error: unknown;
}

/** Nothing read yet: loading, no error. */
export const loadState = (): LoadState => ({ loading: true, error: undefined });

/** Runs `read` (which stores what it read), saying in `state` that it is under way (at once)
 * and, when it throws, its error; never throws itself. */
export async function track(state: LoadState, read: () => Promise<void>): Promise<void> {
	state.loading = true;
	state.error = undefined;
	try {
		await read();
	} catch (e) {
		state.error = e;
	} finally {
		state.loading = false;
	}
}
