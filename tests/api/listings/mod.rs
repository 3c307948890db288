//! Listed supervision (挂牌督战): the listing lifecycle and its validation, who reads what,
//! records going to a listed village end to end, the derived `listedForSupervision` and
//! `listedOnly`, and the listed-region findings against a recomputation from the rows.
mod findings;
mod lifecycle;
mod readme;
mod villages;

use crate::fixtures::{World, d, dispatch, region, transfer, world};
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::{
    DispatchStatus, FundCategory, PersonnelCategory, RegionLevel, TransferStatus, Zone,
};
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

const LIST: &str = "mutation($input: ListForSupervisionInput!) {
  listForSupervision(input: $input) { supervisionListing {
    id year listedOn liftedOn active combatPlanStatus combatPlanReference
    region { code } supervisingProvince { code } } } }";
const LIFT: &str = "mutation($input: LiftSupervisionListingInput!) {
  liftSupervisionListing(input: $input) { supervisionListing { id liftedOn active } } }";
const PLAN: &str = "mutation($input: UpdateCombatPlanInput!) {
  updateCombatPlan(input: $input) { supervisionListing { id combatPlanStatus combatPlanReference } } }";
const LISTED: &str = "query($code: String!) {
  region(code: $code) { poverty { listedForSupervision } }
  regions(filter: { listedOnly: true }, first: 100) { nodes { code } } }";

fn admin() -> String {
    token(Role::Admin, None, None)
}

fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

/// Whether `code` is listed, by `listedForSupervision` and by the `listedOnly` filter.
async fn listed(app: &TestApp, code: &str) -> (bool, bool) {
    let body = app.gql(LISTED, json!({ "code": code })).await;
    let data = ok(&body);
    let flag = data["region"]["poverty"]["listedForSupervision"]
        .as_bool()
        .expect("flag");
    let in_filter = data["regions"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .any(|n| n["code"] == code);
    (flag, in_filter)
}

/// A synthetic township and village under Xiangyun (532923).
async fn village(app: &TestApp, w: &World, n: u32) -> i64 {
    let township = match entity::region::Entity::find()
        .filter(entity::region::Column::Code.eq("532923100"))
        .one(&app.db)
        .await
        .expect("township")
    {
        Some(t) => t.id,
        None => {
            region(
                &app.db,
                "532923100",
                "合成乡",
                RegionLevel::Township,
                Zone::West,
                Some(w.xiangyun),
                Some(w.yunnan),
                false,
            )
            .await
        }
    };
    region(
        &app.db,
        &format!("532923100{n:03}"),
        &format!("合成{n}村"),
        RegionLevel::Village,
        Zone::West,
        Some(township),
        Some(w.yunnan),
        false,
    )
    .await
}
