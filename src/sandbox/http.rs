//! The sandbox's HTTP face: routes with the spec's paths, and one gate in
//! front of them that does what the real service's edge does (bearer token,
//! `Version` header, burst and daily rate limits with `X-RateLimit-*`
//! headers on every response) plus the injected faults.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Shared;
use super::faults::{Decision, Fault, Faults};
use super::store::{Outcome, Reply, bad_request};

/// `Version` values every service accepts besides its own date: the
/// defaults of the official Python (`v3`) and Node (`2023-02-21`) SDKs.
pub const SDK_VERSIONS: &[&str] = &["v3", "2023-02-21"];

/// The `Version` date of the service that serves `path`, as its spec file
/// declares it.
pub fn service_version(path: &str) -> &'static str {
    // Each service's path prefix, and its module's `Version`.
    let services: [(&str, &'static str); 8] = [
        ("/locations/", super::locations::VERSION),
        ("/users", super::users::VERSION),
        ("/opportunities", super::opportunities::VERSION),
        ("/calendars", super::calendars::VERSION),
        ("/workflows", super::workflows::VERSION),
        ("/campaigns", super::campaigns::VERSION),
        ("/conversations", super::conversations::VERSION),
        ("/contacts/", super::contacts::VERSION),
    ];
    services
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or(super::contacts::VERSION, |(_, v)| v)
}

/// Whether `version` is accepted for `path`.
fn version_accepted(path: &str, version: &str) -> bool {
    version == service_version(path) || SDK_VERSIONS.contains(&version)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Full,
    ReadOnly,
}

pub(super) fn respond(r: Reply) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(r.body)).into_response()
}

pub(super) fn outcome(o: Outcome) -> Response {
    respond(o.unwrap_or_else(|e| e))
}

/// The request body as JSON; an empty body is `{}`.
fn parse_body(body: &Bytes) -> Result<Value, Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("Unexpected token in JSON body: {e}")))
}

/// A JSON request body; malformed JSON is answered 400 the way the API does.
pub(super) struct JsonBody(pub(super) Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // A body that stops arriving holds a connection no longer than an
        // idle one: 408, and hyper closes it (the body was not read).
        let limit = req
            .extensions()
            .get::<BodyTimeout>()
            .map_or(Duration::from_secs(10), |t| t.0);
        let log = req.extensions().get::<BodyLog>().cloned();
        let bytes = match tokio::time::timeout(limit, Bytes::from_request(req, state)).await {
            Ok(b) => b.map_err(IntoResponse::into_response)?,
            Err(_) => {
                return Err(respond(Reply {
                    status: 408,
                    body: json!({"statusCode": 408, "message": "The request body did not arrive in time", "error": "Request Timeout"}),
                }));
            }
        };
        let parsed = parse_body(&bytes);
        // What the client sent, kept in the log (for checking it against
        // the spec).
        if let (Some(BodyLog(shared, index)), Ok(v)) = (log, &parsed)
            && bytes.len() <= 64 * 1024
        {
            shared.log_body(index, v.clone());
        }
        parsed.map(JsonBody).map_err(respond)
    }
}

/// Where a request's body goes in the request log.
#[derive(Clone)]
pub(super) struct BodyLog(pub(super) Arc<Shared>, pub(super) usize);

/// How long a request body may take to arrive (the sandbox's idle timeout).
#[derive(Debug, Clone, Copy)]
struct BodyTimeout(Duration);

macro_rules! with_store {
    ($s:expr, |$st:ident| $body:expr) => {{
        let mut guard = $s.store.lock().unwrap_or_else(|p| p.into_inner());
        let $st = &mut *guard;
        $body
    }};
}
pub(super) use with_store;

pub fn router(shared: Arc<Shared>) -> Router {
    // One module per HighLevel service; the gate in front of them all.
    let api = Router::new()
        .merge(super::contacts::routes())
        .merge(super::locations::routes())
        .merge(super::users::routes())
        .merge(super::opportunities::routes())
        .merge(super::calendars::routes())
        .merge(super::workflows::routes())
        .merge(super::campaigns::routes())
        .merge(super::conversations::routes())
        .fallback(not_found_route)
        .layer(middleware::from_fn_with_state(shared.clone(), gate));
    let oauth = Router::new().route("/oauth/token", post(oauth_token));
    let admin = Router::new()
        .route("/_sandbox/faults", get(get_faults).put(put_faults))
        .route("/_sandbox/requests", get(request_stats))
        .layer(middleware::from_fn_with_state(shared.clone(), admin_gate));
    admin
        .merge(oauth)
        .merge(api)
        .with_state(shared)
        .layer(middleware::map_response(json_errors))
}

/// Errors the framework answers itself (405, 413, a bad JSON body's 400 or
/// 415) in the shape every HighLevel error has:
/// `{"statusCode", "message", "error"}`.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !status.is_client_error() && !status.is_server_error() || is_json {
        return resp;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let message = match String::from_utf8_lossy(&text).trim() {
        "" => reason.to_string(),
        t => t.to_string(),
    };
    let mut out = respond(Reply {
        status: status.as_u16(),
        body: json!({"statusCode": status.as_u16(), "message": message, "error": reason}),
    });
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn access_of(s: &Shared, headers: &HeaderMap) -> Option<Access> {
    let token = bearer(headers)?;
    if token == s.config.token {
        Some(Access::Full)
    } else if s.config.readonly_token.as_deref() == Some(token) {
        Some(Access::ReadOnly)
    } else {
        let mut o = s.oauth.lock().unwrap_or_else(|p| p.into_inner());
        let live = o
            .access
            .get(token)
            .is_some_and(|exp| *exp > tokio::time::Instant::now());
        if live {
            o.used.insert(token.to_string());
        }
        live.then_some(Access::Full)
    }
}

/// POST /oauth/token (form-encoded), the refresh_token grant: each refresh
/// token works once, and the answer carries the next one.
async fn oauth_token(
    State(s): State<Arc<Shared>>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let Some(app) = s.config.oauth.clone() else {
        return not_found_route(Method::POST, "/oauth/token".parse().unwrap_or_default()).await;
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let mut o = s.oauth.lock().unwrap_or_else(|p| p.into_inner());
    o.token_calls += 1;
    if field("client_id") != app.client_id || field("client_secret") != app.client_secret {
        return respond(unauthorized("Invalid client credentials"));
    }
    if field("grant_type") != "refresh_token" {
        return respond(Reply {
            status: 422,
            body: json!({"statusCode": 422, "message": ["grant_type must be refresh_token here"], "error": "Unprocessable Entity"}),
        });
    }
    if !o.refresh_tokens.remove(field("refresh_token")) {
        return respond(bad_request(
            "Invalid grant: refresh token is invalid or already used",
        ));
    }
    let mut rng = s.rng.lock().unwrap_or_else(|p| p.into_inner());
    let access = format!("oauth-{}", super::seed::make_id(&mut rng));
    let refresh = format!("refresh-{}", super::seed::make_id(&mut rng));
    drop(rng);
    o.access
        .insert(access.clone(), tokio::time::Instant::now() + app.access_ttl);
    o.refresh_tokens.insert(refresh.clone());
    axum::Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": app.access_ttl.as_secs(),
        "refresh_token": refresh,
        "scope": "contacts.readonly contacts.write locations/tags.readonly locations/tasks.readonly locations/customFields.readonly users.readonly",
        "userType": "Location",
        "locationId": s.config.location_id,
        "userId": "sandboxUser000000001",
    }))
    .into_response()
}

fn unauthorized(message: &str) -> Reply {
    Reply {
        status: 401,
        body: json!({"statusCode": 401, "message": message, "error": "Unauthorized"}),
    }
}

/// Reads are GETs and the two search POSTs; everything else writes.
fn is_write(method: &Method, path: &str) -> bool {
    match *method {
        Method::GET | Method::HEAD | Method::OPTIONS => false,
        Method::POST => !path.ends_with("/search"),
        _ => true,
    }
}

async fn admin_gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    match access_of(&s, req.headers()) {
        Some(Access::Full) => next.run(req).await,
        _ => respond(unauthorized("Invalid token: access token is invalid")),
    }
}

async fn gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let version = req
        .headers()
        .get("version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let query = req.uri().query().map(str::to_string);
    let log_index = s.log_arrival(&method, &path, version, query);

    let (decision, latency, reply_latency, lose_answer) = {
        let mut faults = s.faults.lock().unwrap_or_else(|p| p.into_inner());
        let mut rng = s.rng.lock().unwrap_or_else(|p| p.into_inner());
        let lose = faults
            .lost_answer_paths
            .iter()
            .any(|p| !p.is_empty() && path.starts_with(p.as_str()));
        (
            faults.next(&path, || rng.f64()),
            faults.latency_ms,
            faults.reply_latency_ms,
            lose,
        )
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let access = access_of(&s, req.headers());
    let token_key = match access {
        Some(_) => bearer(req.headers()).unwrap_or_default().to_string(),
        None => String::new(),
    };

    let mut rate_headers = HeaderMap::new();
    let mut response = match decision {
        Decision::Hang => {
            // Never answers; the client's timeout must handle it.
            std::future::pending::<()>().await;
            unreachable!("pending() never completes")
        }
        Decision::Fault(Fault::Status(code), _) => {
            s.rate
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .headers(&token_key, &mut rate_headers);
            respond(Reply {
                status: code,
                body: json!({"statusCode": code, "message": "Injected fault: the server failed to answer"}),
            })
        }
        Decision::Fault(Fault::RateLimit, retry_after) => {
            s.rate
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .headers(&token_key, &mut rate_headers);
            rate_headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
            let mut r = too_many();
            if let Some(secs) = retry_after {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            r
        }
        _ => {
            let version = req
                .headers()
                .get("version")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string());
            let version_ok = version
                .as_deref()
                .is_some_and(|v| version_accepted(&path, v));
            let v3 = version.as_deref() == Some("v3");
            match access {
                None => respond(unauthorized("Invalid token: access token is invalid")),
                Some(_) if !version_ok => respond(bad_request(format!(
                    "Version header is missing or unsupported; send one of: {}, {}",
                    service_version(&path),
                    SDK_VERSIONS.join(", ")
                ))),
                Some(access) => {
                    let allowed = s
                        .rate
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .admit(&token_key, &mut rate_headers);
                    if !allowed {
                        too_many()
                    } else if access == Access::ReadOnly && is_write(&method, &path) {
                        respond(unauthorized("The token is not authorized for this scope."))
                    } else {
                        let update_contact = method == Method::PUT
                            && path.starts_with("/contacts/")
                            && path.matches('/').count() == 2;
                        let mut req = req;
                        req.extensions_mut()
                            .insert(BodyTimeout(s.config.idle_timeout));
                        req.extensions_mut().insert(BodyLog(s.clone(), log_index));
                        let mut resp = next.run(req).await;
                        if v3 {
                            resp = v3_spelling(resp, update_contact).await;
                        }
                        match decision {
                            Decision::Fault(Fault::Reset, _) => reset_midway(resp).await,
                            Decision::Fault(Fault::Malformed, _) => malformed(resp).await,
                            _ => resp,
                        }
                    }
                }
            }
        }
    };
    response.headers_mut().extend(rate_headers);
    s.log_status(log_index, response.status().as_u16());
    if reply_latency > 0 {
        tokio::time::sleep(Duration::from_millis(reply_latency)).await;
    }
    if lose_answer && response.status().is_success() {
        // Done, and never said.
        std::future::pending::<()>().await;
    }
    response
}

fn too_many() -> Response {
    respond(Reply {
        status: 429,
        body: json!({"statusCode": 429, "message": "Too Many Requests"}),
    })
}

/// The v3 spec spells it `succeeded`: deletes carry both spellings, and
/// the contact update only the corrected one.
async fn v3_spelling(resp: Response, update_contact: bool) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(v) = obj.get("succeded").cloned() {
        obj.insert("succeeded".into(), v);
        if update_contact {
            obj.remove("succeded");
        }
    }
    let out = Value::Object(obj).to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(out))
}

/// Sends the headers and half the body, then breaks the connection.
async fn reset_midway(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.len().max(1)),
    );
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        )),
    ];
    Response::from_parts(parts, Body::from_stream(futures_util::stream::iter(chunks)))
}

/// Answers 200 with the first part of the real body: invalid JSON.
async fn malformed(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..(bytes.len() * 2 / 3).max(1).min(bytes.len()));
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

async fn not_found_route(method: Method, uri: axum::http::Uri) -> Response {
    respond(Reply {
        status: 404,
        body: json!({"statusCode": 404, "message": format!("Cannot {method} {}", uri.path()), "error": "Not Found"}),
    })
}

// ------------------------------------------------------------------- admin

async fn get_faults(State(s): State<Arc<Shared>>) -> Response {
    let f = s.faults.lock().unwrap_or_else(|p| p.into_inner()).clone();
    axum::Json(f).into_response()
}

async fn put_faults(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            *s.faults.lock().unwrap_or_else(|p| p.into_inner()) = f.clone();
            axum::Json(f).into_response()
        }
        Err(e) => respond(bad_request(format!("invalid faults: {e}"))),
    }
}

async fn request_stats(State(s): State<Arc<Shared>>) -> Response {
    let log = s.requests();
    let mut statuses: HashMap<String, usize> = HashMap::new();
    for r in &log {
        *statuses
            .entry(r.status.map_or("pending".into(), |s| s.to_string()))
            .or_default() += 1;
    }
    let window = s.config.rate_limit.interval;
    axum::Json(json!({
        "count": log.len(),
        "statuses": statuses,
        "maxInAnyWindow": super::max_in_window(&log, window),
    }))
    .into_response()
}
