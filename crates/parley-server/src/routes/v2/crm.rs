//! Gong's generic CRM integration: `/v2/crm/integrations`, `/v2/crm/entity-schema`,
//! `/v2/crm/entities` (the LDJSON upload, read by a `crm-upload` job, and the objects
//! by id), `/v2/crm/request-status`; and `/v2/calls/manual-crm-associations`.
//!
//! Choice: an integration belongs to a workspace. A key bound to one uses its own; other
//! callers name one with `workspaceId` (a Parley extension) or get the default one.

use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use gong_api_v2::crm::{
    parse_entity_ids, parse_schema, AssociationWire, AssociationsResponse, ClientRequestResponse,
    EntitiesResponse, IntegrationWire, IntegrationsResponse, RegisterRequest, RegisterResponse,
    RequestStatusResponse, SchemaResponse,
};
use gong_api_v2::crm::{CrmObjectTypeName, SchemaUploaded};
use parley_app::crm;
use parley_app::AppError;
use parley_domain::{CrmObjectType, Principal, WorkspaceId};

use crate::cursor::FilterKey;
use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{body_timeout, is_body_timeout, optional_datetime, parse_json};
use crate::AppState;

pub fn routes(state: &AppState) -> Router<AppState> {
    let max_upload = state.config.limits.max_crm_upload_bytes;
    Router::new()
        .route(
            "/v2/crm/integrations",
            get(list).put(register).delete(delete),
        )
        .route("/v2/crm/entity-schema", get(read_schema).post(write_schema))
        .route(
            "/v2/crm/entities",
            // Multipart framing adds a little to the file itself.
            axum::routing::post(upload)
                .layer(DefaultBodyLimit::max(max_upload.saturating_add(64 * 1024)))
                .get(entities),
        )
        .route("/v2/crm/request-status", get(request_status))
        .route("/v2/calls/manual-crm-associations", get(associations))
}

/// The query string as name/value pairs, repeated names kept (`objectsCrmIds`).
struct Params(Vec<(String, String)>);

impl Params {
    fn of(raw: Option<String>) -> Params {
        Params(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_owned()))
            .filter(|v| !v.is_empty())
            .collect()
    }

    fn required(&self, name: &str) -> ApiResult<&str> {
        self.get(name)
            .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
    }

    fn integration_id(&self) -> ApiResult<i64> {
        let v = self.required("integrationId")?;
        v.parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("integrationId: {v:?} is not an int64")))
    }

    fn object_type(&self) -> ApiResult<Option<CrmObjectType>> {
        self.get("objectType")
            .map(|v| {
                CrmObjectType::from_key(v).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "objectType: {v:?} is not one of {}",
                        CrmObjectType::ALL
                            .iter()
                            .map(|t| t.key())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            })
            .transpose()
    }

    fn required_object_type(&self) -> ApiResult<CrmObjectType> {
        self.object_type()?
            .ok_or_else(|| ApiError::bad_request("objectType is required"))
    }

    fn workspace_id(&self) -> ApiResult<Option<WorkspaceId>> {
        self.get("workspaceId")
            .map(|v| {
                parley_domain::parse_id(v)
                    .map(WorkspaceId)
                    .map_err(|_| ApiError::bad_request(format!("workspaceId: {v:?} is not an id")))
            })
            .transpose()
    }
}

/// The body's bytes, with the same 408/413 as JSON bodies.
fn body_bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(e) if is_body_timeout(&e) => body_timeout(),
        BytesRejection::FailedToBufferBody(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body is too large or could not be read",
        ),
        other => ApiError::bad_request(format!("request body could not be read: {other}")),
    })
}

/// List the generic CRM integrations registered for the company.
///
/// Each integration's id, name and owner, in the workspaces the caller reaches.
#[utoipa::path(
    get,
    path = "/v2/crm/integrations",
    operation_id = "get-crm-integrations",
    tag = "CRM",
    responses(
        (status = 200, description = "The integrations.", body = IntegrationsResponse),
    )
)]
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> ApiResult<Response> {
    let list = crm::list(state.store.as_ref(), &principal).await?;
    Ok(Wire(IntegrationsResponse {
        request_id: request_id(),
        integrations: list.iter().map(IntegrationWire::from_domain).collect(),
    })
    .into_response())
}

/// Register a generic CRM integration to upload CRM data through.
///
/// Creates the integration (`name`, `ownerEmail`) in the workspace; its `integrationId`
/// names it in the other CRM requests. Only one active integration is supported.
#[utoipa::path(
    put,
    path = "/v2/crm/integrations",
    operation_id = "register-crm-integration",
    tag = "CRM",
    params(("workspaceId" = Option<String>, Query, pattern = "^[0-9]{1,19}$", description = "The workspace the integration belongs to (a Parley extension); the default workspace when left out.")),
    request_body = RegisterRequest,
    responses(
        (status = 200, description = "The integration.", body = RegisterResponse),
        (status = 404, description = "The workspace named does not exist.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "The company already has an active integration (one is supported).", body = gong_api_v2::ErrorBody),
    )
)]
async fn register(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let req: RegisterRequest = parse_json(body, false)?;
    let (email, name) = req.required().map_err(ApiError::bad_request_all)?;
    let i = crm::register(
        state.store.as_ref(),
        &principal,
        params.workspace_id()?,
        &email,
        &name,
    )
    .await?;
    Ok(Wire(RegisterResponse {
        request_id: request_id(),
        integration_id: i.id,
    })
    .into_response())
}

/// Delete a generic CRM integration and the CRM data uploaded through it.
///
/// The deletion is asynchronous: follow it with `GET /v2/crm/request-status` and the
/// same `clientRequestId`.
#[utoipa::path(
    delete,
    path = "/v2/crm/integrations",
    operation_id = "delete-crm-integration",
    tag = "CRM",
    params(("integrationId" = i64, Query, description = "The integration's id (from `PUT /v2/crm/integrations`)."), ("clientRequestId" = String, Query, pattern = "^[A-Za-z0-9_-]{1,255}$", description = "The id the client gave the request.")),
    responses(
        (status = 201, description = "The deletion was accepted.", body = ClientRequestResponse),
        (status = 404, description = "No such integration, or the caller may not reach it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let id = params.integration_id()?;
    let client_request_id = params.required("clientRequestId")?;
    crm::delete(state.store.as_ref(), &principal, id, client_request_id).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &ClientRequestResponse {
            request_id: request_id(),
            client_request_id: client_request_id.to_owned(),
        },
    ))
}

/// Get the fields declared for a CRM object type.
///
/// The entity schema of the integration: each field's name, label, type and options, for
/// `objectType` or for every type.
#[utoipa::path(
    get,
    path = "/v2/crm/entity-schema",
    operation_id = "get-crm-entity-schema",
    tag = "CRM",
    params(("integrationId" = i64, Query, description = "The integration's id (from `PUT /v2/crm/integrations`)."), ("objectType" = Option<CrmObjectTypeName>, Query, description = "The CRM object type; every type when left out.")),
    responses(
        (status = 200, description = "The declared fields.", body = SchemaResponse),
        (status = 404, description = "No such integration, or the caller may not reach it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn read_schema(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let id = params.integration_id()?;
    // Choice: `objectType` may be left out, as Gong's text says: every type is listed.
    let object_type = params.object_type()?;
    let fields = crm::schema(state.store.as_ref(), &principal, id, object_type).await?;
    let types: Vec<CrmObjectType> = match object_type {
        Some(t) => vec![t],
        None => CrmObjectType::ALL.to_vec(),
    };
    Ok(Wire(SchemaResponse::render(
        request_id(),
        &types,
        &fields,
        state.config.timezone,
    ))
    .into_response())
}

/// Declare the fields of a CRM object type before uploading objects.
///
/// The body is a JSON array of fields (`uniqueName`, `label`, `type`, ...); it replaces
/// the type's declared fields.
#[utoipa::path(
    post,
    path = "/v2/crm/entity-schema",
    operation_id = "upload-crm-entity-schema",
    tag = "CRM",
    params(("integrationId" = i64, Query, description = "The integration's id (from `PUT /v2/crm/integrations`)."), ("objectType" = CrmObjectTypeName, Query, description = "The CRM object type.")),
    request_body = Vec<gong_api_v2::crm::SchemaFieldInput>,
    responses(
        (status = 200, description = "The schema was saved.", body = gong_api_v2::crm::SchemaUploaded),
        (status = 404, description = "No such integration, or the caller may not reach it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn write_schema(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let id = params.integration_id()?;
    let object_type = params.required_object_type()?;
    let body = body_bytes(body)?;
    let fields = parse_schema(&body, state.config.timezone).map_err(ApiError::bad_request_all)?;
    crm::set_schema(state.store.as_ref(), &principal, id, object_type, fields).await?;
    // Choice: 200 with `{requestId}`, as Gong's recorded answer (its spec says 201).
    Ok(Wire(SchemaUploaded {
        request_id: request_id(),
    })
    .into_response())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("dataFile is larger than the {limit} byte limit (max_crm_upload_bytes)"),
    )
}

/// Upload CRM objects (accounts, contacts, deals...) as an LDJSON file.
///
/// A `multipart/form-data` body whose `dataFile` part holds one object per line. The
/// upload is processed in the background: follow it with `GET /v2/crm/request-status` and
/// the same `clientRequestId`.
#[utoipa::path(
    post,
    path = "/v2/crm/entities",
    operation_id = "upload-crm-entities",
    tag = "CRM",
    params(("integrationId" = i64, Query, description = "The integration's id (from `PUT /v2/crm/integrations`)."), ("objectType" = CrmObjectTypeName, Query, description = "The CRM object type."), ("clientRequestId" = String, Query, pattern = "^[A-Za-z0-9_-]{1,255}$", description = "The id the client gave the request.")),
    request_body(content = gong_api_v2::crm::CrmEntitiesUpload, content_type = "multipart/form-data", description = "The objects as the `dataFile` part."),
    responses(
        (status = 201, description = "The upload was accepted.", body = ClientRequestResponse),
        (status = 404, description = "No such integration, or the caller may not reach it.", body = gong_api_v2::ErrorBody),
        (status = 409, description = "A request with this `clientRequestId` exists.", body = gong_api_v2::ErrorBody),
        (status = 413, description = "The file is larger than the server accepts.", body = gong_api_v2::ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let id = params.integration_id()?;
    let object_type = params.required_object_type()?;
    let client_request_id = params.required("clientRequestId")?.to_owned();
    // The integration is checked before the file is read: an unknown one is a 404
    // whatever is sent.
    crm::integration(state.store.as_ref(), &principal, id).await?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "expected multipart/form-data with a dataFile part: {}",
            e.body_text()
        ))
    })?;
    let mut data: Option<Vec<u8>> = None;
    let limit = state.config.limits.max_crm_upload_bytes;
    let failed = |e| multipart_error(e, limit);
    while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
        if field.name() != Some("dataFile") {
            continue;
        }
        let mut buf = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(failed)? {
            if buf.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            buf.extend_from_slice(&chunk);
        }
        data = Some(buf);
        break;
    }
    // Gong's recorded message.
    let data = data.ok_or_else(|| ApiError::bad_request("dataFile part is missing"))?;
    let r = crm::upload(
        state.store.as_ref(),
        &principal,
        id,
        object_type,
        &client_request_id,
        &data,
        &state.config.limits,
    )
    .await
    .map_err(|e| match e {
        AppError::Invalid(p) => ApiError::bad_request_all(p),
        other => other.into(),
    })?;
    // Choice: 201, as the asynchronous deletion answers (Gong documents no status).
    Ok(json_response(
        StatusCode::CREATED,
        &ClientRequestResponse {
            request_id: request_id(),
            client_request_id: r.client_request_id,
        },
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
    }
}

/// Check the progress of a CRM upload or deletion.
///
/// The request's status (pending, in progress, done, failed), with counts of objects
/// stored and the errors of lines that were not.
#[utoipa::path(
    get,
    path = "/v2/crm/request-status",
    operation_id = "get-crm-request-status",
    tag = "CRM",
    params(("integrationId" = i64, Query, description = "The integration's id (from `PUT /v2/crm/integrations`)."), ("clientRequestId" = String, Query, pattern = "^[A-Za-z0-9_-]{1,255}$", description = "The id the client gave the request.")),
    responses(
        (status = 200, description = "The request's status.", body = RequestStatusResponse),
        (status = 404, description = "No such integration or request.", body = gong_api_v2::ErrorBody),
    )
)]
async fn request_status(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let id = params.integration_id()?;
    let client_request_id = params.required("clientRequestId")?;
    let r = crm::request_status(state.store.as_ref(), &principal, id, client_request_id).await?;
    Ok(Wire(RequestStatusResponse::from_domain(request_id(), &r)).into_response())
}

/// Read uploaded CRM objects by their CRM ids.
///
/// The objects of `objectType` with the CRM ids given (as `objectsCrmIds` in the query,
/// repeated or comma-separated, or as a JSON array body), with their fields.
#[utoipa::path(
    get,
    path = "/v2/crm/entities",
    operation_id = "get-crm-entities",
    tag = "CRM",
    params(("integrationId" = i64, Query, description = "The integration's id (from `PUT /v2/crm/integrations`)."), ("objectType" = CrmObjectTypeName, Query, description = "The CRM object type."), ("objectsCrmIds" = Option<Vec<String>>, Query, description = "The objects' CRM ids.", explode = true)),
    responses(
        (status = 200, description = "The objects found.", body = EntitiesResponse),
        (status = 404, description = "No such integration, or the caller may not reach it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn entities(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let id = params.integration_id()?;
    let object_type = params.required_object_type()?;
    let body = body_bytes(body)?;
    // Choice: the ids come in the body (Gong's spec) or as `objectsCrmIds` in the query
    // (some clients); Gong's 415 for a GET without a body is not kept.
    let mut ids = params.all("objectsCrmIds");
    if !body.iter().all(u8::is_ascii_whitespace) {
        ids.extend(parse_entity_ids(&body).map_err(ApiError::bad_request)?);
    }
    if ids.is_empty() {
        return Err(ApiError::bad_request(
            "name the CRM ids to read: a JSON array body, or objectsCrmIds in the query",
        ));
    }
    let found = crm::entities(state.store.as_ref(), &principal, id, object_type, &ids).await?;
    Ok(Wire(EntitiesResponse::render(
        request_id(),
        &found,
        state.config.timezone,
    ))
    .into_response())
}

/// List calls users linked to CRM objects by hand.
///
/// Manual associations of calls with accounts, deals, contacts or leads made since
/// `fromDateTime`, oldest first, in pages; follow `records.cursor`. An empty listing is a
/// 200 with no associations.
#[utoipa::path(
    get,
    path = "/v2/calls/manual-crm-associations",
    operation_id = "get-manual-crm-associations",
    tag = "CRM",
    params(
        ("fromDateTime" = Option<String>, Query, format = DateTime, description = "Associations made from this time on (ISO-8601)."),
        ("cursor" = Option<String>, Query, description = "The `records.cursor` of the previous page."),
    ),
    responses(
        (status = 200, description = "A page of associations.", body = AssociationsResponse),
    )
)]
async fn associations(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let params = Params::of(raw);
    let from = optional_datetime(
        &state,
        "fromDateTime",
        &params.get("fromDateTime").map(str::to_owned),
    )?;
    let digest = FilterKey::new()
        .field("from", from.map(|t| t.timestamp_micros()))
        .digest();
    let start = state
        .cursors
        .start(params.get("cursor"), "manual-crm-associations", &digest)?;
    let after = match start.after.as_deref() {
        None => None,
        Some(&[us, id]) => Some((
            chrono::DateTime::from_timestamp_micros(us)
                .ok_or_else(|| ApiError::bad_request("cursor is invalid"))?,
            id,
        )),
        Some(_) => return Err(ApiError::bad_request("cursor is invalid")),
    };
    let size = state.config.page_size;
    let (page, total) =
        crm::associations(state.store.as_ref(), &principal, from, after, size + 1).await?;
    let total = start.total.unwrap_or(total);
    let (page, records) = state.cursors.page(page, size, &start, total, |a| {
        vec![a.created.timestamp_micros(), a.id]
    });
    // Choice: an empty listing is a 200 with no associations (Gong documents no 404
    // here), so a client polling for new associations need not special-case it.
    Ok(Wire(AssociationsResponse {
        request_id: request_id(),
        records,
        associations: page
            .iter()
            .map(|a| AssociationWire::from_domain(a, state.config.timezone))
            .collect(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(CrmObjectTypeName)),
    paths(
        list,
        register,
        delete,
        read_schema,
        write_schema,
        upload,
        request_status,
        entities,
        associations
    )
)]
pub struct Doc;
