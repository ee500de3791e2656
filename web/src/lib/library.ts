// The Library page's folder tree, built from the flat GET /v2/library/folders answer
// (`parentFolderId` links). A folder whose parent is not in the answer (a private or
// unreachable parent) becomes a root, so nothing the API returned is hidden; a cycle is
// broken at the folder that closes it.

export interface FolderLike {
	id: string;
	name: string;
	parentFolderId?: string | null;
}

export interface FolderNode<F extends FolderLike = FolderLike> {
	folder: F;
	children: FolderNode<F>[];
}

export function buildFolderTree<F extends FolderLike>(folders: F[]): FolderNode<F>[] {
	const byId = new Map<string, FolderNode<F>>();
	for (const f of folders) if (!byId.has(f.id)) byId.set(f.id, { folder: f, children: [] });
	const roots: FolderNode<F>[] = [];
	for (const node of byId.values()) {
		const parentId = node.folder.parentFolderId;
		const parent = parentId ? byId.get(parentId) : undefined;
		if (parent && parent !== node && !isAncestor(node, parent, byId)) parent.children.push(node);
		else roots.push(node);
	}
	const sort = (list: FolderNode<F>[]) => {
		list.sort((a, b) => a.folder.name.localeCompare(b.folder.name) || a.folder.id.localeCompare(b.folder.id));
		for (const n of list) sort(n.children);
	};
	sort(roots);
	return roots;
}

/** Whether `node` is already above `candidate` (following parents already linked). */
function isAncestor<F extends FolderLike>(node: FolderNode<F>, candidate: FolderNode<F>, byId: Map<string, FolderNode<F>>): boolean {
	const seen = new Set<string>();
	let cur: FolderNode<F> | undefined = candidate;
	while (cur && !seen.has(cur.folder.id)) {
		if (cur === node) return true;
		seen.add(cur.folder.id);
		const p: string | null | undefined = cur.folder.parentFolderId;
		const up: FolderNode<F> | undefined = p ? byId.get(p) : undefined;
		// Only a link already made counts: the parent must hold cur among its children.
		cur = up && up.children.includes(cur) ? up : undefined;
	}
	return false;
}

/** The tree in display order with each folder's depth (for an indented list). */
export function flattenTree<F extends FolderLike>(roots: FolderNode<F>[], depth = 0): { folder: F; depth: number; hasChildren: boolean }[] {
	return roots.flatMap((n) => [{ folder: n.folder, depth, hasChildren: n.children.length > 0 }, ...flattenTree(n.children, depth + 1)]);
}

/** "0:42–1:10" of a snippet's seconds. */
export function snippetLabel(fromSec: number, toSec: number): string {
	const f = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
	return `${f(fromSec)}–${f(toSec)}`;
}
