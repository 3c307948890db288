//! `/export/fund-transfers.csv` and `/export/fund-flows.csv`.
use super::params::{Params, field_names};
use super::{BOM, caller, refused, yuan};
use crate::auth::Identity;
use crate::batch::Loaders;
use crate::batch::related_rows;
use crate::connection::{MAX_PAGE, PageArgs};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::http::Shared;
use crate::rollup::service::{FlowDim, FlowGroup, fund_flows as flows_of};
use crate::rollup::types::{FundFlowDimension, FundFlowFilter};
use crate::transfer::service::{Listed, Projection, page};
use crate::transfer::{FundTransferFilter, FundTransferOrder};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use entity::row::Columns;
use entity::{organization, region};
use std::time::Duration;

const CSV: &str = "text/csv; charset=utf-8";

/// The columns of the transfers export, named as the API's fields.
const TRANSFER_HEADER: &[&str] = &[
    "referenceNo",
    "year",
    "category",
    "status",
    "amount",
    "currency",
    "helperCode",
    "helperName",
    "recipientCode",
    "recipientName",
    "plannedOn",
    "allocatedOn",
    "receivedOn",
    "publicizedOn",
    "purpose",
];

fn csv_chunk(bom: bool, rows: impl IntoIterator<Item = Vec<String>>) -> AppResult<Bytes> {
    let mut out = Vec::with_capacity(16 * 1024);
    if bom {
        out.extend_from_slice(BOM);
    }
    let mut w = ::csv::Writer::from_writer(out);
    for row in rows {
        w.write_record(&row)
            .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    }
    let out = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    Ok(Bytes::from(out))
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn transfer_row(t: Listed) -> Vec<String> {
    let (helper_code, helper_name) = t
        .helper
        .map(|h| (h.code.clone(), h.name.clone()))
        .unwrap_or_default();
    let (recipient_code, recipient_name) = t
        .recipient
        .map(|r| (r.code.clone(), r.name.clone()))
        .unwrap_or_default();
    let m = t.row;
    vec![
        m.reference_no,
        m.year.to_string(),
        m.category.as_str().to_string(),
        m.status.as_str().to_string(),
        yuan(m.amount_fen),
        m.currency,
        helper_code,
        helper_name,
        recipient_code,
        recipient_name,
        date(m.planned_on),
        date(m.allocated_on),
        date(m.received_on),
        date(m.publicized_on),
        m.purpose.unwrap_or_default(),
    ]
}

/// Where a transfers download stands: the next page starts after `after`.
struct Transfers {
    db: Db,
    identity: Identity,
    filter: FundTransferFilter,
    after: Option<String>,
    done: bool,
}

impl Transfers {
    /// The next page as CSV rows, through the API's one read path of transfer lists (keyset
    /// pages in id order; the caller's visibility).
    async fn next(mut self) -> AppResult<Option<(Vec<Vec<String>>, Self)>> {
        if self.done {
            return Ok(None);
        }
        let projection = Projection {
            columns: Columns::ALL,
            helper: Some(Columns::ALL),
            recipient: Some(Columns::ALL),
            project: None,
            pairing: false,
            total: false,
        };
        // Loaders per page: their caches then never outgrow a page.
        let loaders = Loaders::new(&self.db, Duration::ZERO);
        let args = PageArgs::new(Some(MAX_PAGE), self.after.take(), None, None);
        let p = page(
            &self.db,
            &loaders,
            &self.identity,
            self.filter.clone(),
            FundTransferOrder::default(),
            args,
            &projection,
        )
        .await?;
        self.done = !p.has_next_page;
        self.after = p.rows.last().map(|(c, _)| c.encode());
        let rows = p.rows.into_iter().map(|(_, t)| transfer_row(t)).collect();
        Ok(Some((rows, self)))
    }
}

/// `GET /export/fund-transfers.csv?year=2020&helperCode=310000…`: the parameters are the fields
/// of `FundTransferFilter`.
pub async fn fund_transfers(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    transfers(&shared, &req).await.unwrap_or_else(refused)
}

async fn transfers(shared: &Shared, req: &HttpRequest) -> AppResult<HttpResponse> {
    let identity = caller(shared, req)?;
    let mut params = Params::parse(req.query_string())?;
    let filter: FundTransferFilter = params.input()?;
    let known = field_names::<FundTransferFilter>();
    params.finish(&known.iter().map(String::as_str).collect::<Vec<_>>())?;
    let state = Transfers {
        db: Db::pooled(&shared.db),
        identity,
        filter,
        after: None,
        done: false,
    };
    // The first page is read before answering, so that a bad filter is a 400, not a cut body.
    let header = vec![TRANSFER_HEADER.iter().map(|s| s.to_string()).collect()];
    let (rows, state) = match state.next().await? {
        Some((rows, state)) => (rows, Some(state)),
        None => (Vec::new(), None),
    };
    let first = csv_chunk(true, header.into_iter().chain(rows))?;
    Ok(super::download(
        CSV,
        "fund-transfers.csv",
        first,
        state,
        |state| async move {
            let Some(state) = state else { return Ok(None) };
            match state.next().await? {
                Some((rows, state)) => Ok(Some((csv_chunk(false, rows)?, Some(state)))),
                None => Ok(None),
            }
        },
    ))
}

/// Rows of the flows export per chunk.
const FLOW_CHUNK: usize = 500;

/// `GET /export/fund-flows.csv?years=2020&groupBy=QUARTER,RECIPIENT_COUNTY…`: the parameters are
/// the fields of `FundFlowFilter` and `groupBy`, as the `fundFlows` field takes them.
pub async fn fund_flows(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    flows(&shared, &req).await.unwrap_or_else(refused)
}

async fn flows(shared: &Shared, req: &HttpRequest) -> AppResult<HttpResponse> {
    // Aggregates are public, as in the API; a token, if sent, must still be valid.
    caller(shared, req)?;
    let mut params = Params::parse(req.query_string())?;
    let filter: FundFlowFilter = params.input()?;
    let group_by: Vec<FundFlowDimension> = params.list("groupBy")?;
    let mut known = field_names::<FundFlowFilter>();
    known.push("groupBy".into());
    params.finish(&known.iter().map(String::as_str).collect::<Vec<_>>())?;
    let (flow, dims) = crate::rollup::query::flow_request(filter, group_by)?;
    let db = Db::pooled(&shared.db);
    let groups = flows_of(&db, &flow, &dims).await?;
    // The names of the helpers and regions the groups name, through the API's loaders.
    let loaders = Loaders::new(&db, Duration::ZERO);
    let all = Some(Columns::ALL);
    let helpers = related_rows::<organization::Entity>(
        &loaders,
        groups.iter().filter_map(|g| g.helper_id),
        all,
        false,
    )
    .await?;
    let regions = related_rows::<region::Entity>(
        &loaders,
        groups
            .iter()
            .flat_map(|g| [g.recipient_province_id, g.recipient_id])
            .flatten(),
        all,
        false,
    )
    .await?;
    let first = csv_chunk(true, [header_names(&dims)])?;
    let row = move |g: &FlowGroup| -> Vec<String> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let mut r = Vec::with_capacity(2 * dims.len() + 2);
        for d in &dims {
            match d {
                FlowDim::Year => r.push(opt(g.year.map(|y| y.to_string()))),
                FlowDim::Quarter => r.push(opt(g.quarter.map(|q| q.to_string()))),
                FlowDim::Category => r.push(opt(g.category.map(|c| c.as_str().into()))),
                FlowDim::Status => r.push(opt(g.status.map(|s| s.as_str().into()))),
                FlowDim::Program => r.push(opt(g.program.map(|p| p.as_str().into()))),
                FlowDim::Helper => {
                    let o = g.helper_id.and_then(|id| helpers.get(&id));
                    r.push(opt(o.map(|o| o.code.clone())));
                    r.push(opt(o.map(|o| o.name.clone())));
                }
                FlowDim::RecipientProvince | FlowDim::RecipientCounty => {
                    let id = match d {
                        FlowDim::RecipientProvince => g.recipient_province_id,
                        _ => g.recipient_id,
                    };
                    let region = id.and_then(|id| regions.get(&id));
                    r.push(opt(region.map(|x| x.code.clone())));
                    r.push(opt(region.map(|x| x.name.clone())));
                }
            }
        }
        r.push(yuan(g.amount_fen));
        r.push(g.count.to_string());
        r
    };
    let mut groups = groups.into_iter();
    Ok(super::download(
        CSV,
        "fund-flows.csv",
        first,
        (),
        move |()| {
            let chunk: Vec<Vec<String>> =
                groups.by_ref().take(FLOW_CHUNK).map(|g| row(&g)).collect();
            async move {
                if chunk.is_empty() {
                    return Ok(None);
                }
                Ok(Some((csv_chunk(false, chunk)?, ())))
            }
        },
    ))
}

/// The header of a flows export: a column per dimension (code and name for an organization or a
/// region), then the sum and the count.
fn header_names(dims: &[FlowDim]) -> Vec<String> {
    let mut header: Vec<&str> = Vec::new();
    for d in dims {
        match d {
            FlowDim::Year => header.push("year"),
            FlowDim::Quarter => header.push("quarter"),
            FlowDim::Category => header.push("category"),
            FlowDim::Status => header.push("status"),
            FlowDim::Program => header.push("program"),
            FlowDim::Helper => header.extend(["helperCode", "helperName"]),
            FlowDim::RecipientProvince => {
                header.extend(["recipientProvinceCode", "recipientProvinceName"])
            }
            FlowDim::RecipientCounty => {
                header.extend(["recipientCountyCode", "recipientCountyName"])
            }
        }
    }
    header.extend(["amount", "count"]);
    header.into_iter().map(String::from).collect()
}
