//! The README's examples of verified delivery, run as printed on the demo data: a central unit
//! records a produce deal, the county confirms one deal and disputes another, an inspector opens
//! a finding, the central unit rectifies it and the inspector closes it.
use crate::harness::{TestApp, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};

const PAIRING: &str = r#"{ pairingAgreements(filter: { helperCode: "CU-MOE", program: DESIGNATED_ASSISTANCE }) {
    nodes { id startYear endYear recipient { code name } } } }"#;
const RECORD: &str = r#"mutation Record($pairing: ID!, $key: String!) {
  recordProduceDeal(input: {
    pairingAgreementId: $pairing, originCountyCode: "140925", buyer: "教育部机关食堂",
    product: "宁武莜麦 (naked oats)", kind: PURCHASED, amount: "86000.00", dealOn: "2020-06-15",
    evidenceRef: "MOE-CG-2020-031", idempotencyKey: $key }) {
    produceDeal { id status amount originCounty { name } }
  }
}"#;
const RECORDED: &str = r#"{ produceDeals(filter: { originCountyCode: "140925", status: RECORDED }) {
    nodes { id kind product amount dealOn helper { name } } } }"#;
const CONFIRM: &str = r#"mutation Confirm($id: ID!) {
  confirmProduceDeal(input: { produceDealId: $id, confirmedOn: "2020-06-20" }) {
    produceDeal { id status confirmedOn }
  }
}"#;
const DISPUTE: &str = r#"mutation Dispute($id: ID!) {
  disputeProduceDeal(input: { produceDealId: $id, reason: "no such delivery in the county's ledger" }) {
    produceDeal { id status disputeReason }
  }
}"#;
const DISPUTES: &str = r#"{ disputes(filter: { regionCode: "140925", unresolvedOnly: true }, first: 20) {
    nodes { id subjectKind subjectId status reason helper { name } } } }"#;
const ANSWER: &str = r#"mutation Answer($id: ID!) {
  answerDispute(input: { disputeId: $id, answer: "the delivery note says 68,000 yuan; corrected",
    correction: { amount: "68000.00" } }) {
    dispute { status previousAmount correctedAmount }
  }
}"#;
const RESOLVE: &str = r#"mutation Resolve($id: ID!) {
  resolveDispute(input: { disputeId: $id, resolution: "matches the ledger after the correction" }) {
    dispute { status resolvedAt }
  }
}"#;
const OPEN: &str = r#"mutation Open {
  openInspectionFinding(input: {
    source: SPOT_CHECK, severity: SERIOUS, regionCode: "140925", responsibleOrganizationCode: "CU-MOE",
    description: "purchases recorded without delivery notes", foundOn: "2021-03-10", dueOn: "2021-06-30",
    idempotencyKey: "spot-2021-140925-1" }) {
    inspectionFinding { id status overdue responsibleOrganization { name } }
  }
}"#;
const START: &str = r#"mutation Start($id: ID!) {
  startRectification(input: { inspectionFindingId: $id, plan: "collect the delivery notes of every purchase" }) {
    inspectionFinding { status }
  }
}"#;
const REPORT: &str = r#"mutation Report($id: ID!) {
  reportRectification(input: { inspectionFindingId: $id, evidence: "MOE-RECT-2021-004", rectifiedOn: "2021-05-20" }) {
    inspectionFinding { status rectifiedOn }
  }
}"#;
const CLOSE: &str = r#"mutation Close($id: ID!) {
  closeInspectionFinding(input: { inspectionFindingId: $id, closedOn: "2021-06-01" }) {
    inspectionFinding { status closedOn }
  }
}"#;
const UNVERIFIED: &str = r#"{ progressReports(first: 5, filter: { helperCode: "CU-MOE", verified: false }) {
    nodes { id indicator year quarter value version } } }"#;
const CORRECT_REPORT: &str = r#"mutation Correct($id: ID!) {
  correctProgressReport(input: { progressReportId: $id, version: 1, value: "120",
    note: "two training sessions were counted twice" }) {
    progressReport { value version versions { version value note author createdAt } }
  }
}"#;
const SUMMARY: &str = r#"{ inspectionFindingSummary {
    byProvince { province { name } open overdue }
    byResponsibleOrganization { organization { name } open overdue } } }"#;

#[track_caller]
fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_examples_work_on_the_demo_as_printed() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let moe = token(Role::Helper, Some("CU-MOE"), None);
    let county = token(Role::Recipient, None, Some("140925"));
    let inspector = token(Role::Inspector, None, None);

    let body = app.gql_as(Some(&moe), PAIRING, json!({})).await;
    let pairing = data(&body, "pairingAgreements")["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|p| p["recipient"]["code"] == "140925")
        .unwrap_or_else(|| panic!("CU-MOE helps 140925 in the demo: {body}"))["id"]
        .clone();
    let mut ids = Vec::new();
    for key in ["moe-deal-2020-031", "moe-deal-2020-032"] {
        let body = app
            .gql_as(
                Some(&moe),
                RECORD,
                json!({ "pairing": pairing, "key": key }),
            )
            .await;
        let d = &data(&body, "recordProduceDeal")["produceDeal"];
        assert_eq!(d["status"], "RECORDED", "{body}");
        assert_eq!(d["amount"], "86000.00");
        ids.push(d["id"].clone());
    }
    let body = app.gql_as(Some(&county), RECORDED, json!({})).await;
    let listed: Vec<&Value> = data(&body, "produceDeals")["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert!(ids.iter().all(|id| listed.contains(&id)), "{body}");
    let body = app
        .gql_as(Some(&county), CONFIRM, json!({ "id": ids[0] }))
        .await;
    assert_eq!(
        data(&body, "confirmProduceDeal")["produceDeal"]["status"],
        "CONFIRMED"
    );
    let body = app
        .gql_as(Some(&county), DISPUTE, json!({ "id": ids[1] }))
        .await;
    assert_eq!(
        data(&body, "disputeProduceDeal")["produceDeal"]["status"],
        "DISPUTED"
    );
    // The dispute the deal opened: listed, answered with a correction, resolved.
    let body = app.gql_as(Some(&county), DISPUTES, json!({})).await;
    let dispute = data(&body, "disputes")["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["subjectId"] == ids[1])
        .unwrap_or_else(|| panic!("the deal's dispute is listed: {body}"))
        .clone();
    assert_eq!(dispute["subjectKind"], "PRODUCE_DEAL");
    assert_eq!(dispute["status"], "OPEN");
    let body = app
        .gql_as(Some(&moe), ANSWER, json!({ "id": dispute["id"] }))
        .await;
    assert_eq!(
        data(&body, "answerDispute")["dispute"],
        json!({ "status": "ANSWERED", "previousAmount": "86000.00", "correctedAmount": "68000.00" })
    );
    let body = app
        .gql_as(Some(&county), RESOLVE, json!({ "id": dispute["id"] }))
        .await;
    assert_eq!(
        data(&body, "resolveDispute")["dispute"]["status"],
        "RESOLVED"
    );
    let body = app
        .gql_as(
            Some(&county),
            "query($id: ID!) { node(id: $id) { ... on ProduceDeal { status amount } } }",
            json!({ "id": ids[1] }),
        )
        .await;
    assert_eq!(
        data(&body, "node"),
        &json!({ "status": "RECORDED", "amount": "68000.00" })
    );

    let body = app.gql_as(Some(&inspector), OPEN, json!({})).await;
    let f = &data(&body, "openInspectionFinding")["inspectionFinding"];
    assert_eq!(f["status"], "OPEN");
    assert_eq!(f["overdue"], true);
    let id = json!({ "id": f["id"] });
    let steps = [
        (&moe, START, "startRectification", "RECTIFYING"),
        (&moe, REPORT, "reportRectification", "RECTIFIED"),
        (&inspector, CLOSE, "closeInspectionFinding", "CLOSED"),
    ];
    for (who, doc, field, status) in steps {
        let body = app.gql_as(Some(who), doc, id.clone()).await;
        assert_eq!(
            data(&body, field)["inspectionFinding"]["status"],
            status,
            "{body}"
        );
    }
    // The helper corrects one of its unverified progress reports.
    let readme = include_str!("../../../README.md");
    for block in [UNVERIFIED, CORRECT_REPORT] {
        assert!(readme.contains(block), "the README prints {block}");
    }
    let body = app.gql_as(Some(&moe), UNVERIFIED, json!({})).await;
    let report = data(&body, "progressReports")["nodes"][0].clone();
    assert_eq!(report["version"], 1, "{body}");
    let vars = json!({ "id": report["id"] });
    let body = app.gql_as(Some(&moe), CORRECT_REPORT, vars.clone()).await;
    let corrected = data(&body, "correctProgressReport")["progressReport"].clone();
    assert_eq!(corrected["value"], "120");
    assert_eq!(corrected["version"], 2);
    assert_eq!(corrected["versions"][0]["value"], report["value"]);
    assert_eq!(
        corrected["versions"][1]["note"],
        "two training sessions were counted twice"
    );
    let again = app.gql_as(Some(&moe), CORRECT_REPORT, vars).await;
    assert_eq!(
        data(&again, "correctProgressReport")["progressReport"],
        corrected
    );

    let body = app.gql_as(Some(&county), SUMMARY, json!({})).await;
    assert!(
        !data(&body, "inspectionFindingSummary")["byProvince"]
            .as_array()
            .expect("list")
            .is_empty(),
        "{body}"
    );
}
