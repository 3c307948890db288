//! Inspection findings: the lifecycle with its permissions, bad input, idempotent retries, the
//! audit log, and the summary checked against a recomputation from the rows.
use crate::fixtures::{World, world};
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::FindingStatus;
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const OPEN: &str = "mutation($input: OpenInspectionFindingInput!) { openInspectionFinding(input: $input) {
    inspectionFinding { id status source severity region { code } pairingAgreement { id }
      responsibleOrganization { code } recordKind recordId foundOn dueOn overdue reopenedCount } } }";
const START: &str =
    "mutation($input: StartRectificationInput!) { startRectification(input: $input) {
    inspectionFinding { status rectificationPlan } } }";
const REPORT: &str =
    "mutation($input: ReportRectificationInput!) { reportRectification(input: $input) {
    inspectionFinding { status rectificationEvidence rectifiedOn overdue } } }";
const CLOSE: &str =
    "mutation($input: CloseInspectionFindingInput!) { closeInspectionFinding(input: $input) {
    inspectionFinding { status closedOn } } }";
const REOPEN: &str =
    "mutation($input: ReopenInspectionFindingInput!) { reopenInspectionFinding(input: $input) {
    inspectionFinding { status dueOn closedOn reopenedCount } } }";

fn inspector() -> String {
    token(Role::Inspector, None, None)
}

fn helper_sh() -> String {
    token(Role::Helper, Some("310000"), None)
}

#[track_caller]
fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

#[track_caller]
fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]["inspectionFinding"]
}

async fn findings_count(app: &TestApp) -> u64 {
    entity::inspection_finding::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

/// The audit actions recorded on one finding, in order.
async fn audited(app: &TestApp, id: i64) -> Vec<String> {
    entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("InspectionFinding"))
        .filter(entity::audit_event::Column::EntityId.eq(id))
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn row_id(global: &Value) -> i64 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global.as_str().expect("an id"))
        .expect("base64");
    let text = String::from_utf8(raw).expect("utf8");
    text.rsplit_once(':')
        .and_then(|(_, n)| n.parse().ok())
        .expect("a numbered id")
}

async fn setup() -> (TestApp, World) {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    (app, w)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finding_on_a_transfer_goes_through_rectification_reopening_and_closing() {
    let (app, w) = setup().await;
    let transfer = gid("FundTransfer", w.transfers[0]);
    let input = json!({ "input": { "source": "SPOT_CHECK", "severity": "SERIOUS",
        "description": "voucher and receipt differ", "recordId": transfer,
        "foundOn": "2020-02-01", "dueOn": "2020-05-31", "idempotencyKey": "sc-1" } });
    let body = app.gql_as(Some(&inspector()), OPEN, input.clone()).await;
    let f = ok(&body, "openInspectionFinding").clone();
    // Region, pairing and responsible helper come from the transfer.
    assert_eq!(f["status"], "OPEN");
    assert_eq!(f["region"]["code"], "532923");
    assert_eq!(
        f["pairingAgreement"]["id"],
        gid("PairingAgreement", w.sh_yn)
    );
    assert_eq!(f["responsibleOrganization"]["code"], "310000");
    assert_eq!(f["recordKind"], "FUND_TRANSFER");
    assert_eq!(f["recordId"], transfer);
    assert_eq!(f["overdue"], true, "due in 2020, not rectified");
    let id = f["id"].clone();

    // A retry answers with the same finding; the key with another payload is a conflict.
    let again = app.gql_as(Some(&inspector()), OPEN, input.clone()).await;
    assert_eq!(ok(&again, "openInspectionFinding")["id"], id);
    let mut changed = input.clone();
    changed["input"]["severity"] = json!("MINOR");
    assert_error(
        &app.gql_as(Some(&inspector()), OPEN, changed).await,
        "CONFLICT",
        None,
    );
    assert_eq!(findings_count(&app).await, 1);

    // Only the responsible side rectifies; the inspector judges, and not before it is reported.
    let start = json!({ "input": { "inspectionFindingId": id, "plan": "re-check every voucher" } });
    for other in [
        token(Role::Helper, Some("440000"), None),
        token(Role::Recipient, None, Some("530000")),
        inspector(),
    ] {
        assert_error(
            &app.gql_as(Some(&other), START, start.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    let close = json!({ "input": { "inspectionFindingId": id, "closedOn": "2020-06-01" } });
    assert_error(
        &app.gql_as(Some(&inspector()), CLOSE, close.clone()).await,
        "CONFLICT",
        None,
    );
    let body = app.gql_as(Some(&helper_sh()), START, start.clone()).await;
    let f = ok(&body, "startRectification");
    assert_eq!(f["status"], "RECTIFYING");
    assert_eq!(f["rectificationPlan"], "re-check every voucher");
    // Starting twice is an illegal transition.
    assert_error(
        &app.gql_as(Some(&helper_sh()), START, start.clone()).await,
        "CONFLICT",
        None,
    );
    let early = json!({ "input": { "inspectionFindingId": id, "evidence": "report R-1",
        "rectifiedOn": "2020-01-15" } });
    assert_error(
        &app.gql_as(Some(&helper_sh()), REPORT, early).await,
        "BAD_USER_INPUT",
        Some("input.rectifiedOn"),
    );
    let report = json!({ "input": { "inspectionFindingId": id, "evidence": "report R-1",
        "rectifiedOn": "2020-04-20" } });
    let body = app.gql_as(Some(&helper_sh()), REPORT, report.clone()).await;
    let f = ok(&body, "reportRectification");
    assert_eq!(f["status"], "RECTIFIED");
    assert_eq!(f["rectifiedOn"], "2020-04-20");
    assert_eq!(f["overdue"], false, "reported rectified");

    // The inspector does not accept it: reopened with a new due date, rectified again, closed.
    let reopen = json!({ "input": { "inspectionFindingId": id, "reason": "vouchers still missing",
        "dueOn": "2099-12-31" } });
    assert_error(
        &app.gql_as(Some(&helper_sh()), REOPEN, reopen.clone()).await,
        "FORBIDDEN",
        None,
    );
    let body = app.gql_as(Some(&inspector()), REOPEN, reopen).await;
    let f = ok(&body, "reopenInspectionFinding");
    assert_eq!(f["status"], "REOPENED");
    assert_eq!(f["dueOn"], "2099-12-31");
    assert_eq!(f["reopenedCount"], 1);
    ok(
        &app.gql_as(Some(&helper_sh()), START, start).await,
        "startRectification",
    );
    ok(
        &app.gql_as(Some(&helper_sh()), REPORT, report).await,
        "reportRectification",
    );
    let before_rectified =
        json!({ "input": { "inspectionFindingId": id, "closedOn": "2020-04-19" } });
    assert_error(
        &app.gql_as(Some(&inspector()), CLOSE, before_rectified)
            .await,
        "BAD_USER_INPUT",
        Some("input.closedOn"),
    );
    let admin = token(Role::Admin, None, None);
    let body = app.gql_as(Some(&admin), CLOSE, close.clone()).await;
    let f = ok(&body, "closeInspectionFinding");
    assert_eq!(f["status"], "CLOSED");
    assert_eq!(f["closedOn"], "2020-06-01");
    assert_error(
        &app.gql_as(Some(&inspector()), CLOSE, close).await,
        "CONFLICT",
        None,
    );

    // One audit event per successful write, none for the refused ones or the retry.
    assert_eq!(
        audited(&app, row_id(&id)).await,
        [
            "openInspectionFinding",
            "startRectification",
            "reportRectification",
            "reopenInspectionFinding",
            "startRectification",
            "reportRectification",
            "closeInspectionFinding",
        ]
    );
    let node = app
        .gql_as(
            Some(&token(Role::Viewer, None, None)),
            "query($id: ID!) { node(id: $id) { ... on InspectionFinding { status reopenedCount } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"]["node"]["status"], "CLOSED", "{node}");
    assert_eq!(node["data"]["node"]["reopenedCount"], 1, "{node}");
    let anonymous = app
        .gql(
            "query($id: ID!) { node(id: $id) { id } inspectionFindings(first: 5) { nodes { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(anonymous["data"]["node"], Value::Null, "{anonymous}");
    assert_eq!(anonymous["data"]["inspectionFindings"]["nodes"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_responsible_organization_the_county_rectifies() {
    let (app, _w) = setup().await;
    let input = json!({ "input": { "source": "GENERAL_SURVEY", "severity": "MINOR",
        "description": "combat plan behind schedule", "regionCode": "533301",
        "foundOn": "2020-02-01", "dueOn": "2020-05-31" } });
    let body = app.gql_as(Some(&inspector()), OPEN, input).await;
    let f = ok(&body, "openInspectionFinding");
    assert_eq!(f["responsibleOrganization"], Value::Null);
    assert_eq!(f["pairingAgreement"], Value::Null);
    let start = json!({ "input": { "inspectionFindingId": f["id"], "plan": "weekly follow-up" } });
    for denied in [
        helper_sh(),
        token(Role::Recipient, None, Some("532923")),
        token(Role::Recipient, None, Some("450000")),
    ] {
        assert_error(
            &app.gql_as(Some(&denied), START, start.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    // The prefecture above the county covers it.
    let body = app
        .gql_as(
            Some(&token(Role::Recipient, None, Some("533300"))),
            START,
            start,
        )
        .await;
    assert_eq!(ok(&body, "startRectification")["status"], "RECTIFYING");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_names_the_argument_and_writes_nothing() {
    let (app, w) = setup().await;
    let base = json!({ "source": "AUDIT", "severity": "CRITICAL", "description": "x",
        "regionCode": "532923", "foundOn": "2020-02-01", "dueOn": "2020-05-31" });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "input": i })
    };
    let without_subject = {
        let mut i = base.clone();
        i.as_object_mut().map(|o| o.remove("regionCode"));
        json!({ "input": i })
    };
    let cases = vec![
        (with("description", json!("   ")), "input.description"),
        (with("dueOn", json!("2020-01-31")), "input.dueOn"),
        (with("foundOn", json!("2999-01-01")), "input.foundOn"),
        (with("regionCode", json!("999999")), "input.regionCode"),
        (with("regionCode", json!("not-a-code")), "input.regionCode"),
        (
            with("recordId", json!(gid("Organization", w.sh_gov))),
            "input.recordId",
        ),
        (
            with("recordId", json!(gid("FundTransfer", 999_999))),
            "input.recordId",
        ),
        (with("recordId", json!("garbage")), "input.recordId"),
        (
            with(
                "pairingAgreementId",
                json!(gid("PairingAgreement", 999_999)),
            ),
            "input.pairingAgreementId",
        ),
        // Xiangyun is not within Guangdong–Guangxi's recipient.
        (
            with(
                "pairingAgreementId",
                json!(gid("PairingAgreement", w.gd_gx)),
            ),
            "input.regionCode",
        ),
        (
            with("responsibleOrganizationCode", json!("NO-SUCH-ORG")),
            "input.responsibleOrganizationCode",
        ),
        (
            with("idempotencyKey", json!("k".repeat(129))),
            "input.idempotencyKey",
        ),
        (without_subject, "input.regionCode"),
    ];
    for (vars, field) in cases {
        let body = app.gql_as(Some(&inspector()), OPEN, vars).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    // A transfer of one pairing named with another pairing.
    let mismatch = json!({ "input": { "source": "AUDIT", "severity": "MINOR", "description": "x",
        "recordId": gid("FundTransfer", w.transfers[0]),
        "pairingAgreementId": gid("PairingAgreement", w.gd_gx),
        "foundOn": "2020-02-01", "dueOn": "2020-05-31" } });
    assert_error(
        &app.gql_as(Some(&inspector()), OPEN, mismatch).await,
        "BAD_USER_INPUT",
        Some("input.pairingAgreementId"),
    );
    let id = crate::delivery::finding(
        &app.db,
        w.xiangyun,
        w.yunnan,
        Some(w.sh_gov),
        FindingStatus::Rectified,
    )
    .await;
    let past = json!({ "input": { "inspectionFindingId": gid("InspectionFinding", id),
        "reason": "no", "dueOn": "2020-01-01" } });
    assert_error(
        &app.gql_as(Some(&inspector()), REOPEN, past).await,
        "BAD_USER_INPUT",
        Some("input.dueOn"),
    );
    let wrong_kind = json!({ "input": { "inspectionFindingId": gid("Project", w.project),
        "closedOn": "2020-04-01" } });
    assert_error(
        &app.gql_as(Some(&inspector()), CLOSE, wrong_kind).await,
        "BAD_USER_INPUT",
        Some("input.inspectionFindingId"),
    );
    assert_eq!(findings_count(&app).await, 1, "only the fixture");
    let events = entity::audit_event::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(events, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_matches_a_recomputation_from_the_rows() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let viewer = token(Role::Viewer, None, None);
    let q = "query($asOf: Date) { inspectionFindingSummary(asOf: $asOf) { asOf
        byProvince { province { id code } open overdue }
        byResponsibleOrganization { organization { id code } open overdue } } }";
    for as_of in ["2021-01-01", "2021-08-01", "2031-01-01"] {
        let body = app.gql_as(Some(&viewer), q, json!({ "asOf": as_of })).await;
        assert!(body.get("errors").is_none(), "{body}");
        let s = &body["data"]["inspectionFindingSummary"];
        assert_eq!(s["asOf"], as_of);
        let day = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d").expect("date");
        // From the rows: not closed is open; awaiting rectification past the day is overdue.
        let rows = entity::inspection_finding::Entity::find()
            .all(&app.db)
            .await
            .expect("rows");
        let (mut by_province, mut by_org) = (BTreeMap::new(), BTreeMap::new());
        for r in rows.iter().filter(|r| r.status != FindingStatus::Closed) {
            let overdue = matches!(
                r.status,
                FindingStatus::Open | FindingStatus::Rectifying | FindingStatus::Reopened
            ) && r.due_on < day;
            let e = by_province.entry(r.province_id).or_insert((0, 0));
            e.0 += 1;
            e.1 += i64::from(overdue);
            if let Some(o) = r.responsible_org_id {
                let e = by_org.entry(o).or_insert((0, 0));
                e.0 += 1;
                e.1 += i64::from(overdue);
            }
        }
        let answered = |list: &Value, key: &str| -> BTreeMap<i64, (i64, i64)> {
            list.as_array()
                .expect("a list")
                .iter()
                .map(|g| {
                    (
                        row_id(&g[key]["id"]),
                        (
                            g["open"].as_i64().expect("open"),
                            g["overdue"].as_i64().expect("overdue"),
                        ),
                    )
                })
                .collect()
        };
        assert_eq!(
            answered(&s["byProvince"], "province"),
            by_province,
            "{as_of}"
        );
        assert_eq!(
            answered(&s["byResponsibleOrganization"], "organization"),
            by_org,
            "{as_of}"
        );
        assert!(!by_province.is_empty(), "the demo has open findings");
        let codes: Vec<&str> = s["byProvince"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|g| g["province"]["code"].as_str())
            .collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "by province code");
    }
    // The list's filters agree with the summary: the overdue ones as of today.
    let today = pairing_api::write::today();
    let overdue_rows = entity::inspection_finding::Entity::find()
        .all(&app.db)
        .await
        .expect("rows")
        .into_iter()
        .filter(|r| {
            matches!(
                r.status,
                FindingStatus::Open | FindingStatus::Rectifying | FindingStatus::Reopened
            ) && r.due_on < today
        })
        .count();
    let body = app
        .gql_as(
            Some(&viewer),
            "{ inspectionFindings(first: 100, filter: { overdueOnly: true }) { nodes { overdue status } } }",
            json!({}),
        )
        .await;
    let nodes = body["data"]["inspectionFindings"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(nodes.len(), overdue_rows, "{body}");
    assert!(nodes.iter().all(|n| n["overdue"] == true), "{body}");
    assert!(overdue_rows > 0, "the demo has overdue findings");
    let anonymous = app.gql(q, json!({ "asOf": "2021-01-01" })).await;
    assert_eq!(
        anonymous["data"]["inspectionFindingSummary"]["byProvince"],
        json!([]),
        "{anonymous}"
    );
}
