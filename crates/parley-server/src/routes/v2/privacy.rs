//! Data privacy (reference §11): what references an e-mail address or phone number, and
//! erasing it. The erase answers at once and runs as a job (`parley_app::privacy`); its
//! report is at `/parley/v1/data-privacy/erasures/{id}`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use gong_api_v2::privacy::{
    calls, customer_data, meetings, DataForEmail, DataForPhone, EmailQuery, EraseAccepted,
    FoundObject, PhoneQuery, PrivacyEngagement, PrivacyUser,
};
use parley_app::privacy::Findings;
use parley_domain::privacy::Subject;
use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, query};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/data-privacy/data-for-email-address",
            get(data_for_email),
        )
        .route(
            "/v2/data-privacy/data-for-phone-number",
            get(data_for_phone),
        )
        .route(
            "/v2/data-privacy/erase-data-for-email-address",
            post(erase_email),
        )
        .route(
            "/v2/data-privacy/erase-data-for-phone-number",
            post(erase_phone),
        )
}

pub(crate) fn email_subject(raw: Option<&str>) -> ApiResult<Subject> {
    Subject::email(raw.unwrap_or_default()).map_err(|e| ApiError::bad_request(e.0))
}

pub(crate) fn phone_subject(raw: Option<&str>) -> ApiResult<Subject> {
    Subject::phone(raw.unwrap_or_default()).map_err(|e| ApiError::bad_request(e.0))
}

fn objects(f: &Findings) -> Vec<FoundObject<'_>> {
    f.crm_objects
        .iter()
        .map(|o| FoundObject {
            pk: o.pk,
            system: o.system,
            object_type: &o.object_type,
            object_id: &o.object_id,
            fields: &o.fields,
        })
        .collect()
}

fn users(f: &Findings) -> Vec<PrivacyUser> {
    f.users
        .iter()
        .map(|u| PrivacyUser { id: u.to_string() })
        .collect()
}

/// The answer to `data-for-email-address` about `subject` (also `parley privacy find`).
pub async fn email_answer(
    store: &dyn parley_store::Store,
    subject: &Subject,
    tz: chrono_tz::Tz,
) -> Result<DataForEmail, parley_app::AppError> {
    let f = parley_app::privacy::find(store, subject).await?;
    let engagement = parley_app::privacy::engagement_events(store, &f).await?;
    Ok(DataForEmail {
        request_id: request_id(),
        emails: Vec::new(),
        calls: calls(f.calls().into_iter().map(|c| c.0)),
        meetings: meetings(f.meetings.iter().map(|m| m.0)),
        customer_data: customer_data(&objects(&f)),
        customer_engagement: engagement
            .iter()
            .map(|e| PrivacyEngagement::of(e, tz))
            .collect(),
        users: users(&f),
    })
}

/// The answer to `data-for-phone-number` about `subject`, `supplied` as the client wrote
/// the number (also `parley privacy find`).
pub async fn phone_answer(
    store: &dyn parley_store::Store,
    subject: &Subject,
    supplied: String,
) -> Result<DataForPhone, parley_app::AppError> {
    let f = parley_app::privacy::find(store, subject).await?;
    Ok(DataForPhone {
        request_id: request_id(),
        emails: Vec::new(),
        calls: calls(f.calls().into_iter().map(|c| c.0)),
        meetings: meetings(f.meetings.iter().map(|m| m.0)),
        customer_data: customer_data(&objects(&f)),
        supplied_phone_number: supplied,
        matching_phone_numbers: f.matching_phones.iter().cloned().collect(),
        email_addresses: f.emails_beside.iter().cloned().collect(),
        users: users(&f),
    })
}

/// Find all data Parley holds that mentions an email address.
///
/// The calls, meetings, CRM objects, customer engagement events and users that reference
/// `emailAddress`: what erasing it would remove.
#[utoipa::path(
    get,
    path = "/v2/data-privacy/data-for-email-address",
    operation_id = "get-data-for-email-address",
    tag = "Data privacy",
    params(EmailQuery),
    responses(
        (status = 200, description = "What references the address.", body = DataForEmail),
    )
)]
async fn data_for_email(
    State(state): State<AppState>,
    q: Result<Query<EmailQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let subject = email_subject(q.email_address.as_deref())?;
    let answer = email_answer(state.store.as_ref(), &subject, state.config.timezone).await?;
    Ok(Wire(answer).into_response())
}

/// Find all data Parley holds that mentions a phone number.
///
/// The calls, meetings, CRM objects and users that reference `phoneNumber` (in any
/// formatting), with the numbers that matched and the email addresses found beside them.
#[utoipa::path(
    get,
    path = "/v2/data-privacy/data-for-phone-number",
    operation_id = "get-data-for-phone-number",
    tag = "Data privacy",
    params(PhoneQuery),
    responses(
        (status = 200, description = "What references the number.", body = DataForPhone),
    )
)]
async fn data_for_phone(
    State(state): State<AppState>,
    q: Result<Query<PhoneQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let subject = phone_subject(q.phone_number.as_deref())?;
    let answer = phone_answer(
        state.store.as_ref(),
        &subject,
        q.phone_number.unwrap_or_default(),
    )
    .await?;
    Ok(Wire(answer).into_response())
}

/// The parameter from the query string or, when absent there, from a JSON body.
/// Choice: Gong documents the query string; two public TS clients send a JSON body
/// (reference §11.3, DISAGREE): both are read, the query string first.
fn from_query_or_body<T: serde::de::DeserializeOwned + Default>(
    q: Result<Query<T>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
    present: impl Fn(&T) -> bool,
) -> ApiResult<T> {
    let q = query(q)?;
    if present(&q) {
        return Ok(q);
    }
    parse_json(body, true)
}

/// Erase all data that mentions an email address (right to be forgotten).
///
/// Accepts the request at once and erases in the background: calls the address took part
/// in, its CRM objects, engagement events and mentions. `emailAddress` comes in the query
/// string or, if absent there, in a JSON body. The answer's `erasureId` gives the report
/// at `/parley/v1/data-privacy/erasures/{id}`.
#[utoipa::path(
    post,
    path = "/v2/data-privacy/erase-data-for-email-address",
    operation_id = "erase-data-for-email-address",
    tag = "Data privacy",
    params(("emailAddress" = Option<String>, Query, description = "The email address; or give it in the body.")),
    request_body(content = EmailQuery, description = "The address, when the query string does not give it."),
    responses(
        (status = 200, description = "The erasure was accepted.", body = EraseAccepted),
    )
)]
async fn erase_email(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<EmailQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = from_query_or_body(q, body, |q: &EmailQuery| q.email_address.is_some())?;
    let subject = email_subject(q.email_address.as_deref())?;
    accept(&state, &principal, &subject).await
}

/// Erase all data that mentions a phone number (right to be forgotten).
///
/// Accepts the request at once and erases in the background. `phoneNumber` comes in the
/// query string or, if absent there, in a JSON body. The answer's `erasureId` gives the
/// report at `/parley/v1/data-privacy/erasures/{id}`.
#[utoipa::path(
    post,
    path = "/v2/data-privacy/erase-data-for-phone-number",
    operation_id = "erase-data-for-phone-number",
    tag = "Data privacy",
    params(("phoneNumber" = Option<String>, Query, description = "The phone number; or give it in the body.")),
    request_body(content = PhoneQuery, description = "The number, when the query string does not give it."),
    responses(
        (status = 200, description = "The erasure was accepted.", body = EraseAccepted),
    )
)]
async fn erase_phone(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<PhoneQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let q = from_query_or_body(q, body, |q: &PhoneQuery| q.phone_number.is_some())?;
    let subject = phone_subject(q.phone_number.as_deref())?;
    accept(&state, &principal, &subject).await
}

async fn accept(state: &AppState, principal: &Principal, subject: &Subject) -> ApiResult<Response> {
    let e = parley_app::privacy::request_erase(state.store.as_ref(), subject, principal).await?;
    Ok(Wire(EraseAccepted {
        request_id: request_id(),
        erasure_id: e.id.to_string(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(modifiers(&EmptyBodies), paths(data_for_email, data_for_phone, erase_email, erase_phone))]
pub struct Doc;

/// The bodies of `/v2/data-privacy/erase-data-for-email-address`, `/v2/data-privacy/erase-data-for-phone-number` may be left out (read as `{}`).
struct EmptyBodies;

impl utoipa::Modify for EmptyBodies {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        super::optional_bodies(
            doc,
            &[
                ("post", "/v2/data-privacy/erase-data-for-email-address"),
                ("post", "/v2/data-privacy/erase-data-for-phone-number"),
            ],
        );
    }
}
