import { describe, expect, it } from 'vitest';
import { buildFolderTree, flattenTree, snippetLabel } from './library';

const f = (id: string, name: string, parentFolderId: string | null = null) => ({ id, name, parentFolderId });

describe('library folder tree', () => {
	it('nests folders under their parents, sorted by name', () => {
		const tree = buildFolderTree([f('3', 'Great demos', '1'), f('1', 'Win/Loss'), f('2', 'EMEA playbook'), f('4', 'Alpha', '1')]);
		expect(flattenTree(tree).map((n) => [n.folder.name, n.depth, n.hasChildren])).toEqual([
			['EMEA playbook', 0, false],
			['Win/Loss', 0, true],
			['Alpha', 1, false],
			['Great demos', 1, false]
		]);
	});

	it('makes a folder whose parent is missing a root, and survives cycles and duplicates', () => {
		const orphan = flattenTree(buildFolderTree([f('5', 'Orphan', '99')]));
		expect(orphan).toEqual([{ folder: f('5', 'Orphan', '99'), depth: 0, hasChildren: false }]);
		const cyc = flattenTree(buildFolderTree([f('1', 'A', '2'), f('2', 'B', '1'), f('3', 'Self', '3'), f('3', 'Dup')]));
		expect(cyc.map((n) => n.folder.name).sort()).toEqual(['A', 'B', 'Self']);
		expect(cyc.filter((n) => n.depth === 0).length).toBeGreaterThan(0);
		expect(buildFolderTree([])).toEqual([]);
	});

	it('labels snippets', () => {
		expect(snippetLabel(42, 70)).toBe('0:42–1:10');
	});
});
