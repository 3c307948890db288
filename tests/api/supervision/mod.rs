//! Fund supervision: publicity (announcements superseded, never edited), the project library,
//! spending within what each transfer brought, the derived figures against a recomputation from
//! the rows, the public view, and the supervision findings.
mod covering;
mod derived;
mod expenditures;
mod findings;
mod overlap;
mod public;
mod subordinates;
mod writes;

use crate::harness::{TestApp, error_code, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};

pub use crate::writes::gid;

pub fn recipient_yn() -> String {
    token(Role::Recipient, None, Some("530000"))
}

pub fn viewer() -> String {
    token(Role::Viewer, None, None)
}

/// Asserts a response failed with `code` (and, for BAD_USER_INPUT, the field).
#[track_caller]
pub fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

#[track_caller]
pub fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

pub const PUBLICIZE_TRANSFER: &str = "mutation($input: PublicizeFundTransferInput!) {
  publicizeFundTransfer(input: $input) { announcement { id periodStart periodEnd channel documentRef
    supersedes { id } supersededBy { id } fundTransfer { id publicizedOn } } } }";

pub const PUBLICIZE_PROJECT: &str = "mutation($input: PublicizeProjectInput!) {
  publicizeProject(input: $input) { announcement { id project { id publicizedOn } } } }";

pub const RECORD_EXPENDITURE: &str = "mutation($input: RecordExpenditureInput!) {
  recordExpenditure(input: $input) { expenditure { id amount spentOn purpose voucherRef
    project { id spent } fundTransfer { id spent spendRate } } } }";

/// Records an expenditure as the Yunnan recipient and returns the answer.
pub async fn spend(
    app: &TestApp,
    project: i64,
    transfer: i64,
    amount: &str,
    key: Option<&str>,
) -> Value {
    app.gql_as(
        Some(&recipient_yn()),
        RECORD_EXPENDITURE,
        json!({ "input": {
            "projectId": gid("Project", project), "fundTransferId": gid("FundTransfer", transfer),
            "amount": amount, "spentOn": "2019-05-10", "purpose": "大棚钢材",
            "voucherRef": "记-2019-05-001", "idempotencyKey": key } }),
    )
    .await
}

/// Audit events of an action.
pub async fn audited(app: &TestApp, action: &str) -> Vec<entity::audit_event::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq(action))
        .all(&app.db)
        .await
        .expect("audit events")
}
