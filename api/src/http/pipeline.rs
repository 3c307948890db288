//! One request's operations: each checked (tokens, parse, limits), run with the validation it
//! needs, and their errors finished into one serialized answer.
use super::Shared;
use super::response::{Format, serialize};
use crate::batch::Loaders;
use crate::error::{AppError, finalize_error, static_code};
use crate::graphql::RequestContext;
use crate::limits::LimitError;
use actix_web::http::StatusCode;
use actix_web::web;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::{Positioned, Request, Response, ServerError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A response with one error, `e`'s code and public message (for failures before or instead of
/// execution). Nothing is logged here: the caller logs what the log needs.
pub(super) fn error_only(e: &AppError) -> Response {
    let mut err = ServerError::new(e.public_message(), None);
    err.extensions
        .get_or_insert_with(Default::default)
        .set("code", e.code());
    Response::from_errors(vec![err])
}

/// Documents up to this size are checked inline: their parse and analysis take microseconds.
const INLINE_CHECK_BYTES: usize = 8 * 1024;

/// Token count, parse and limit analysis: CPU work bounded by the token limit. Larger documents are
/// checked on the blocking pool so that a heavy one never stalls the async workers.
async fn prepare(shared: &web::Data<Shared>, req: Request) -> Result<Checked, Box<Response>> {
    if req.query.len() <= INLINE_CHECK_BYTES {
        return check_request(shared, req);
    }
    let shared = shared.clone().into_inner();
    match tokio::task::spawn_blocking(move || check_request(&shared, req)).await {
        Ok(r) => r,
        Err(_) => Err(Box::new(error_only(&AppError::Internal(
            "the check of a document failed".into(),
        )))),
    }
}

/// A request that passed the checks, with what the analysis found.
struct Checked {
    request: Request,
    /// The operation is a query: it only reads.
    query: bool,
    name: Option<String>,
    introspection: bool,
    validation: Validation,
    /// List items may be written directly (`graphql::collect`).
    direct_items: bool,
}

/// How much of async-graphql's validation an operation needs.
enum Validation {
    /// All of it; when the document is cached, its flag is set if it passes.
    Full(Option<Arc<AtomicBool>>),
    /// The document passed it before and the variables surely fit: the fast validation.
    Known,
}

fn check_request(shared: &Shared, mut req: Request) -> Result<Checked, Box<Response>> {
    // A cached document comes with its validation flag; a new one gets its flag when kept.
    let (doc, cached_flag) = match shared.documents.get(&req.query) {
        Some(known) => (known.doc, Some(known.validated)),
        None => {
            crate::limits::check_tokens(&req.query, &shared.limits).map_err(limit_response)?;
            let doc = async_graphql::parser::parse_query(&req.query)
                .map_err(|e| Box::new(Response::from_errors(vec![ServerError::from(e)])))?;
            (doc, None)
        }
    };
    let analysis = crate::limits::analyze(&doc, &shared.types, &req.variables, &shared.limits)
        .map_err(limit_response)?;
    if analysis.introspection && shared.settings.limits.no_introspection {
        return Err(Box::new(error_only(&AppError::BadRequest(
            "introspection is switched off on this server".into(),
        ))));
    }
    let name = match (&req.operation_name, &doc.operations) {
        (Some(name), _) => Some(name.clone()),
        (None, DocumentOperations::Single(_)) => None,
        (None, DocumentOperations::Multiple(ops)) => ops.keys().next().map(|n| n.to_string()),
    };
    let validated_flag = match cached_flag {
        Some(flag) => Some(flag),
        // Only documents that passed every check are kept.
        None => shared.documents.put(&req.query, &doc),
    };
    let operation = selected_operation(&doc, req.operation_name.as_deref());
    let query = operation.is_some_and(|op| op.node.ty == OperationType::Query);
    let direct_items = operation
        .is_some_and(|op| !crate::graphql::collect::merges_fields(&doc, &op.node.selection_set));
    let validation = match (validated_flag, operation) {
        (Some(flag), Some(op))
            if flag.load(Ordering::Relaxed)
                && crate::graphql::variables::surely_valid(
                    &op.node,
                    &req.variables,
                    &shared.types,
                ) =>
        {
            Validation::Known
        }
        (flag, _) => Validation::Full(flag),
    };
    req.set_parsed_query(doc);
    Ok(Checked {
        request: req,
        query,
        name,
        introspection: analysis.introspection,
        validation,
        direct_items,
    })
}

fn limit_response(e: LimitError) -> Box<Response> {
    Box::new(error_only(&e.into()))
}

/// Whether a request's operation writes (a GET may only read).
pub(super) fn is_mutation(req: &Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&req.query) else {
        return false;
    };
    selected_operation(&doc, req.operation_name.as_deref())
        .is_some_and(|op| op.node.ty != OperationType::Query)
}

/// The operation a request runs: the one named, or the first.
fn selected_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match name {
        Some(name) => doc
            .operations
            .iter()
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name))
            .map(|(_, op)| op),
        None => doc.operations.iter().next().map(|(_, op)| op),
    }
}

/// A request failed before execution (parse, validation, coercion): no `data` at all.
pub(super) fn is_request_error(resp: &Response) -> bool {
    resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty())
}

/// Checks and executes the operations of one request, in order, and serializes their answer.
pub(super) async fn run_operations(
    shared: web::Data<Shared>,
    identity: crate::auth::Identity,
    (request_id, server_request_id): (String, String),
    requests: Vec<Request>,
    single: bool,
    format: Format,
) -> Finished {
    let mut names = Vec::new();
    let mut responses = Vec::with_capacity(requests.len());
    for req in requests {
        let checked = match prepare(&shared, req).await {
            Ok(checked) => checked,
            Err(resp) => {
                responses.push(*resp);
                continue;
            }
        };
        names.extend(checked.name);
        let req = checked.request;
        let _lane = shared
            .executor
            .introspection_lane(checked.introspection)
            .await;
        let db = match checked.query {
            true => crate::db::Db::for_query(&shared.db, &shared.metrics.sql),
            false => crate::db::Db::pooled(&shared.db),
        };
        let ctx = RequestContext {
            identity: identity.clone(),
            request_id: request_id.clone(),
            server_request_id: server_request_id.clone(),
            loaders: Loaders::new(
                &db,
                std::time::Duration::from_micros(shared.settings.limits.batch_delay_us),
            ),
            db,
            direct_items: checked.direct_items,
        };
        let schema = match checked.validation {
            Validation::Known => &shared.validated_schema,
            Validation::Full(_) => &shared.schema,
        };
        // A panic in a resolver becomes an INTERNAL error for this operation.
        let run = std::panic::AssertUnwindSafe(schema.execute(req.data(ctx)));
        responses.push(match futures_util::FutureExt::catch_unwind(run).await {
            Ok(resp) => {
                // An answer that is not a request error got past validation.
                if let Validation::Full(Some(flag)) = &checked.validation
                    && !is_request_error(&resp)
                {
                    flag.store(true, Ordering::Relaxed);
                }
                resp
            }
            Err(_) => {
                tracing::error!(request_id, "a resolver panicked");
                error_only(&AppError::Internal("a resolver panicked".into()))
            }
        });
        // Let other requests' tasks run between the operations of a batch.
        tokio::task::yield_now().await;
    }
    finish(&shared, responses, names, single, format, &request_id)
}

/// A request's answer, serialized (on the executor: large answers cost CPU).
pub(super) struct Finished {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
    pub(super) codes: Vec<&'static str>,
    pub(super) operation: Option<String>,
}

/// The executor resolves a response key once per field that shares it and merges the values, so
/// one field's error would be reported once per such field; the specification executes the
/// merged field once (§6.3.2). Errors at the same path with the same message are one error.
fn dedup_field_errors(errors: &mut Vec<ServerError>) {
    if errors.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    errors
        .retain(|e| e.path.is_empty() || seen.insert((format!("{:?}", e.path), e.message.clone())));
}

/// Gives every error its code, then serializes under the response-size limit.
pub(super) fn finish(
    shared: &Shared,
    mut responses: Vec<Response>,
    names: Vec<String>,
    single: bool,
    format: Format,
    request_id: &str,
) -> Finished {
    let count = responses.len();
    let operation = names.join(",");
    let mut codes = Vec::new();
    for resp in &mut responses {
        dedup_field_errors(&mut resp.errors);
        for err in &mut resp.errors {
            finalize_error(err, request_id);
            let code = err
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .and_then(|v| match v {
                    async_graphql::Value::String(s) => Some(static_code(s)),
                    _ => None,
                })
                .unwrap_or("OTHER");
            codes.push(code);
        }
    }
    // A single operation refused as a whole is a 400 where the client speaks the newer media type.
    let refused = single && responses.first().is_some_and(is_request_error);
    let status = if refused && format == Format::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let limit = shared.settings.limits.max_response_bytes;
    let body = match serialize(&responses, single, format, limit) {
        Some(body) => body,
        None => {
            drop(responses);
            let e = AppError::TooComplex(format!(
                "the response would exceed {limit} bytes; ask for fewer items or fields"
            ));
            let errs: Vec<Response> = (0..count)
                .map(|_| {
                    let mut r = error_only(&e);
                    r.data = async_graphql::Value::Null;
                    r
                })
                .collect();
            codes.push(e.code());
            serialize(&errs, single, Format::Json, usize::MAX).unwrap_or_default()
        }
    };
    Finished {
        status,
        body,
        codes,
        operation: (!operation.is_empty()).then_some(operation),
    }
}
