// Settings › CRM connections (`/parley/v1/crm/connectors`): the connector form ↔ the API's
// `ConnectorBody`, and a connector's settings and held secrets in words. Secrets are
// write-only: the server answers only which ones a connector holds (as "<redacted>"), and
// on a change a secret left out is kept, so the form never shows one and sends a secret
// field only when something was typed in it. No rule of what is valid lives here: the
// server checks each kind's settings and credentials and the form shows its 400.

import type { components } from '$lib/api';

export type ConnectorView = components['schemas']['ConnectorView'];
export type ConnectorBody = components['schemas']['ConnectorBody'];
export type SalesforceAuth = components['schemas']['SalesforceAuthKind'];

/** The kinds `ConnectorBody.kind` takes, as the form offers them. */
export const KINDS = [
	{ id: 'salesforce', label: 'Salesforce' },
	{ id: 'hubspot', label: 'HubSpot' },
	{ id: 'parley', label: 'Parley CRM objects' }
] as const;

export type ConnectorKind = (typeof KINDS)[number]['id'];

export function kindLabel(kind: string): string {
	return KINDS.find((k) => k.id === kind)?.label ?? kind;
}

export interface ConnectorDraft {
	/** Empty: the default workspace (on create; a connector does not move). */
	workspaceId: string;
	name: string;
	kind: ConnectorKind;
	// Salesforce
	loginUrl: string;
	instanceUrl: string;
	apiVersion: string;
	auth: SalesforceAuth;
	clientId: string;
	clientSecret: string;
	username: string;
	privateKey: string;
	audience: string;
	// HubSpot
	baseUrl: string;
	token: string;
}

export function emptyConnectorDraft(workspaceId = '', kind: ConnectorKind = 'salesforce'): ConnectorDraft {
	return {
		workspaceId,
		name: '',
		kind,
		loginUrl: '',
		instanceUrl: '',
		apiVersion: '',
		auth: 'client_credentials',
		clientId: '',
		clientSecret: '',
		username: '',
		privateKey: '',
		audience: '',
		baseUrl: '',
		token: ''
	};
}

function settingsOf(c: Pick<ConnectorView, 'settings'>): Record<string, unknown> {
	const s = c.settings;
	return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : {};
}

function text(v: unknown): string {
	return typeof v === 'string' ? v : v == null ? '' : String(v);
}

/** The form for changing a connector: its shown settings, every secret field empty. */
export function draftOfConnector(c: ConnectorView): ConnectorDraft {
	const s = settingsOf(c);
	const kind = KINDS.find((k) => k.id === c.kind)?.id ?? 'parley';
	return {
		...emptyConnectorDraft(c.workspaceId, kind),
		name: c.name,
		loginUrl: text(s.loginUrl),
		instanceUrl: text(s.instanceUrl),
		apiVersion: text(s.apiVersion),
		auth: s.auth === 'jwt_bearer' ? 'jwt_bearer' : 'client_credentials',
		clientId: text(s.clientId),
		username: text(s.username),
		audience: text(s.audience),
		baseUrl: text(s.baseUrl)
	};
}

/** A setting: trimmed, left out when blank (the server's default, or none). */
function setting(v: string): string | undefined {
	const t = v.trim();
	return t ? t : undefined;
}

/** A secret: as typed, left out when blank (on a change, the stored one is kept). */
function secret(v: string): string | undefined {
	return v.trim() ? v : undefined;
}

/**
 * The body of `POST` (`create`) or `PUT …/{id}` (`edit`): the fields of the draft's kind
 * (and, for Salesforce, of its way of signing in). The workspace is sent on create only.
 */
export function connectorBody(d: ConnectorDraft, mode: 'create' | 'edit'): ConnectorBody {
	const body: ConnectorBody = { name: d.name.trim(), kind: d.kind };
	if (mode === 'create' && d.workspaceId) body.workspaceId = d.workspaceId;
	const put = (key: keyof ConnectorBody, v: string | undefined) => {
		if (v !== undefined) (body as Record<string, unknown>)[key] = v;
	};
	if (d.kind === 'salesforce') {
		put('loginUrl', setting(d.loginUrl));
		put('instanceUrl', setting(d.instanceUrl));
		put('apiVersion', setting(d.apiVersion));
		body.auth = d.auth;
		put('clientId', setting(d.clientId));
		if (d.auth === 'jwt_bearer') {
			put('username', setting(d.username));
			put('privateKey', secret(d.privateKey));
			put('audience', setting(d.audience));
		} else {
			put('clientSecret', secret(d.clientSecret));
		}
	} else if (d.kind === 'hubspot') {
		put('baseUrl', setting(d.baseUrl));
		put('token', secret(d.token));
	}
	return body;
}

const SETTING_LABELS: Record<string, string> = {
	loginUrl: 'Login URL',
	instanceUrl: 'Instance URL',
	apiVersion: 'API version',
	auth: 'Signs in with',
	clientId: 'Client id',
	username: 'User name',
	audience: 'Audience',
	baseUrl: 'API URL'
};

const AUTH_LABELS: Record<string, string> = { client_credentials: 'Client credentials', jwt_bearer: 'JWT bearer' };

export function authLabel(auth: string): string {
	return AUTH_LABELS[auth] ?? auth;
}

/** A connector's shown settings as label and value, in the server's order. */
export function settingRows(c: Pick<ConnectorView, 'settings'>): { key: string; label: string; value: string }[] {
	return Object.entries(settingsOf(c))
		.filter(([, v]) => v != null && v !== '')
		.map(([key, v]) => ({
			key,
			label: SETTING_LABELS[key] ?? key,
			value: key === 'auth' ? authLabel(text(v)) : typeof v === 'object' ? JSON.stringify(v) : text(v)
		}));
}

const SECRET_LABELS: Record<string, string> = { clientSecret: 'Client secret', privateKey: 'Private key', token: 'Access token' };

export function secretLabel(name: string): string {
	return SECRET_LABELS[name] ?? name;
}

/** The names of the secrets the connector holds (never their values). */
export function heldSecrets(c: Pick<ConnectorView, 'secrets'>): string[] {
	return Object.keys(c.secrets ?? {});
}

/** "Client secret" / "Private key and client secret" / "None" for the list. */
export function secretsSummary(c: Pick<ConnectorView, 'secrets'>): string {
	const names = heldSecrets(c).map(secretLabel);
	if (!names.length) return 'None';
	const s = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
	return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

export interface WorkspaceGroup {
	workspaceId: string;
	name: string;
	connectors: ConnectorView[];
}

/**
 * Connectors by workspace: every workspace known (in the order given, empty ones too when
 * there are several), then any other workspace a connector names; connectors by name.
 */
export function byWorkspace(connectors: ConnectorView[], workspaces: { id: string; name: string }[]): WorkspaceGroup[] {
	const groups: WorkspaceGroup[] = workspaces.map((w) => ({ workspaceId: w.id, name: w.name, connectors: [] }));
	for (const c of connectors) {
		let g = groups.find((x) => x.workspaceId === c.workspaceId);
		if (!g) groups.push((g = { workspaceId: c.workspaceId, name: `Workspace ${c.workspaceId}`, connectors: [] }));
		g.connectors.push(c);
	}
	for (const g of groups) g.connectors.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
	return workspaces.length > 1 ? groups : groups.filter((g) => g.connectors.length);
}
