//! Indicators that match the letters and records that count: which indicators a letter of each
//! program may commit to, confirmed deals and placements toward their indicators (progress
//! reports on those refused), cadres dispatched on central units' letters, and corrections of
//! progress reports (a new version each, the old kept, never once verified). Figures are checked
//! against the stored rows.
use crate::fixtures::{dispatch, letter, world};
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::*;
use pairing_api::auth::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

const REPORT: &str = "mutation($input: ReportProgressInput!) { reportProgress(input: $input) {
    progressReport { id value version } } }";
const CORRECT: &str = "mutation($input: CorrectProgressReportInput!) {
    correctProgressReport(input: $input) { progressReport { id value version
      versions { version value note author } } } }";
const VERIFY: &str = "mutation($id: ID!) { verifyProgressReport(input: { progressReportId: $id }) {
    progressReport { verifiedAt } } }";
const PROGRESS: &str = "query($id: ID!, $y: Int!) { node(id: $id) { ... on PairingAgreement {
    progress(year: $y) { indicators { indicator target achieved basis countedRecords } } } } }";
const SUBMIT: &str = "mutation($input: SubmitResponsibilityLetterInput!) {
    submitResponsibilityLetter(input: $input) { responsibilityLetter { id commitments { indicator } } } }";

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
    &body["data"][field]
}

/// One indicator of a pairing's progress in a year, read anonymously (rollups are public).
async fn progress_of(app: &TestApp, pairing: i64, year: i32, indicator: &str) -> Value {
    let body = app
        .gql(
            PROGRESS,
            json!({ "id": gid("PairingAgreement", pairing), "y": year }),
        )
        .await;
    body["data"]["node"]["progress"]["indicators"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|i| i["indicator"] == indicator)
        .cloned()
        .unwrap_or(Value::Null)
}

fn fen(amount: i64) -> String {
    rust_decimal::Decimal::new(amount, 2).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_deals_and_placements_count_and_reports_on_them_are_refused() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("532923"));
    let pairing = gid("PairingAgreement", w.sh_yn);

    // Reports on indicators that records achieve are refused, naming the indicator.
    let reports_before = entity::progress_report::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    for indicator in [
        "LABOR_TRANSFERRED",
        "CONSUMPTION_ASSISTANCE",
        "FISCAL_AID_FUNDS",
        "CADRES_DISPATCHED",
    ] {
        let body = app
            .gql_as(
                Some(&helper),
                REPORT,
                json!({ "input": { "pairingAgreementId": pairing, "indicator": indicator,
                    "year": 2019, "quarter": 1, "value": "10" } }),
            )
            .await;
        assert_error(&body, "BAD_USER_INPUT", Some("input.indicator"));
    }
    let after = entity::progress_report::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(after, reports_before, "nothing was written");

    // Three deals and two placements recorded by the helper; the county answers them.
    let record_deal =
        "mutation($input: RecordProduceDealInput!) { recordProduceDeal(input: $input) {
        produceDeal { id } } }";
    let mut deals = Vec::new();
    for (i, (kind, amount)) in [
        ("PURCHASED", "1200.50"),
        ("SALES_HELPED", "800.00"),
        ("PURCHASED", "99999.00"),
    ]
    .iter()
    .enumerate()
    {
        let body = app
            .gql_as(
                Some(&helper),
                record_deal,
                json!({ "input": { "pairingAgreementId": pairing, "originCountyCode": "532923",
                    "buyer": "食堂", "product": "蔬菜", "kind": kind, "amount": amount,
                    "dealOn": "2019-06-01", "idempotencyKey": format!("ind-deal-{i}") } }),
            )
            .await;
        deals.push(ok(&body, "recordProduceDeal")["produceDeal"]["id"].clone());
    }
    let record_placement = "mutation($input: RecordLaborPlacementInput!) {
        recordLaborPlacement(input: $input) { laborPlacement { id } } }";
    let mut placements = Vec::new();
    for (i, people) in [25, 40].iter().enumerate() {
        let body = app
            .gql_as(
                Some(&helper),
                record_placement,
                json!({ "input": { "pairingAgreementId": pairing, "originCountyCode": "532923",
                    "destinationCode": "310000", "employer": "工厂", "people": people,
                    "startOn": "2019-03-01", "months": 12,
                    "idempotencyKey": format!("ind-placement-{i}") } }),
            )
            .await;
        placements.push(ok(&body, "recordLaborPlacement")["laborPlacement"]["id"].clone());
    }
    // Recorded only: nothing counts yet.
    let consumption = progress_of(&app, w.sh_yn, 2019, "CONSUMPTION_ASSISTANCE").await;
    assert_eq!(
        consumption["basis"], "CONFIRMED_PRODUCE_DEALS",
        "{consumption}"
    );
    let before = consumption["achieved"].clone();
    let confirm_deal = "mutation($id: ID!) { confirmProduceDeal(input: { produceDealId: $id,
        confirmedOn: \"2019-06-10\" }) { produceDeal { status } } }";
    for id in &deals[..2] {
        let body = app
            .gql_as(Some(&county), confirm_deal, json!({ "id": id }))
            .await;
        ok(&body, "confirmProduceDeal");
    }
    let body = app
        .gql_as(
            Some(&county),
            "mutation($id: ID!) { disputeProduceDeal(input: { produceDealId: $id, reason: \"no\" }) {
                produceDeal { status } } }",
            json!({ "id": deals[2] }),
        )
        .await;
    ok(&body, "disputeProduceDeal");
    let confirm_placement = "mutation($id: ID!) { confirmLaborPlacement(input: {
        laborPlacementId: $id, confirmedOn: \"2019-03-10\" }) { laborPlacement { status } } }";
    let body = app
        .gql_as(
            Some(&county),
            confirm_placement,
            json!({ "id": placements[0] }),
        )
        .await;
    ok(&body, "confirmLaborPlacement");

    // The figures against the stored rows.
    let stored = entity::produce_deal::Entity::find()
        .filter(entity::produce_deal::Column::PairingId.eq(w.sh_yn))
        .filter(entity::produce_deal::Column::Year.eq(2019))
        .all(&app.db)
        .await
        .expect("deals");
    let confirmed = |kinds: &[DealKind]| -> (i64, i64) {
        let rows: Vec<_> = stored
            .iter()
            .filter(|d| d.status == DealStatus::Confirmed && kinds.contains(&d.kind))
            .collect();
        (rows.iter().map(|d| d.amount_fen).sum(), rows.len() as i64)
    };
    for (indicator, kinds) in [
        (
            "CONSUMPTION_ASSISTANCE",
            &[DealKind::Purchased, DealKind::SalesHelped][..],
        ),
        ("PRODUCE_PURCHASED", &[DealKind::Purchased][..]),
        ("PRODUCE_SALES_HELPED", &[DealKind::SalesHelped][..]),
    ] {
        let (sum, n) = confirmed(kinds);
        let got = progress_of(&app, w.sh_yn, 2019, indicator).await;
        assert_eq!(got["achieved"], fen(sum), "{indicator}: {got}");
        assert_eq!(got["countedRecords"], n, "{indicator}");
        assert_eq!(got["basis"], "CONFIRMED_PRODUCE_DEALS", "{indicator}");
    }
    assert_eq!(
        confirmed(&[DealKind::Purchased, DealKind::SalesHelped]).0,
        200_050
    );
    assert_ne!(before, fen(200_050), "the confirmation moved the figure");

    let people: i64 = entity::labor_placement::Entity::find()
        .filter(entity::labor_placement::Column::PairingId.eq(w.sh_yn))
        .filter(entity::labor_placement::Column::Year.eq(2019))
        .filter(entity::labor_placement::Column::Status.eq(PlacementStatus::Confirmed))
        .all(&app.db)
        .await
        .expect("placements")
        .iter()
        .map(|p| i64::from(p.people))
        .sum();
    assert_eq!(people, 25);
    let labor = progress_of(&app, w.sh_yn, 2019, "LABOR_TRANSFERRED").await;
    assert_eq!(labor["achieved"], people.to_string(), "{labor}");
    assert_eq!(labor["basis"], "CONFIRMED_LABOR_PLACEMENTS");

    // A report stored before the rule (written directly) never counts.
    entity::progress_report::ActiveModel {
        id: NotSet,
        pairing_id: Set(w.sh_yn),
        indicator: Set(Indicator::LaborTransferred),
        year: Set(2019),
        quarter: Set(2),
        value: Set(1000),
        reported_by: Set("old".into()),
        reported_at: Set(chrono::Utc::now()),
        verified_by: Set(Some("old".into())),
        verified_at: Set(Some(chrono::Utc::now())),
    }
    .insert(&app.db)
    .await
    .expect("insert report");
    let labor = progress_of(&app, w.sh_yn, 2019, "LABOR_TRANSFERRED").await;
    assert_eq!(labor["achieved"], people.to_string(), "{labor}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letters_commit_only_to_the_indicators_of_their_program() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let gd = token(Role::Helper, Some("440000"), None);
    let moe = token(Role::Helper, Some("CU-MOE"), None);
    let submit = |pairing: i64, year: i32, commitments: Value| {
        json!({ "input": { "pairingAgreementId": gid("PairingAgreement", pairing), "year": year,
            "commitments": commitments } })
    };

    // East–west letters may commit to cadres and technicians trained, not to produce.
    let body = app
        .gql_as(
            Some(&gd),
            SUBMIT,
            submit(
                w.gd_gx,
                2017,
                json!([{ "indicator": "FISCAL_AID_FUNDS", "target": "100.00" },
                       { "indicator": "PRODUCE_PURCHASED", "target": "100.00" }]),
            ),
        )
        .await;
    assert_error(
        &body,
        "BAD_USER_INPUT",
        Some("input.commitments[1].indicator"),
    );
    let body = app
        .gql_as(
            Some(&gd),
            SUBMIT,
            submit(
                w.gd_gx,
                2017,
                json!([{ "indicator": "CADRES_TRAINED", "target": "120" },
                       { "indicator": "TECHNICIANS_TRAINED", "target": "300" }]),
            ),
        )
        .await;
    let set: Vec<&str> =
        ok(&body, "submitResponsibilityLetter")["responsibilityLetter"]["commitments"]
            .as_array()
            .expect("commitments")
            .iter()
            .filter_map(|c| c["indicator"].as_str())
            .collect();
    assert_eq!(set, ["CADRES_TRAINED", "TECHNICIANS_TRAINED"]);

    // Central units' letters may commit to cadres dispatched, not to cadres trained (theirs are
    // grassroots cadres trained).
    let body = app
        .gql_as(
            Some(&moe),
            SUBMIT,
            submit(
                w.moe_lushui,
                2017,
                json!([{ "indicator": "CADRES_TRAINED", "target": "10" }]),
            ),
        )
        .await;
    assert_error(
        &body,
        "BAD_USER_INPUT",
        Some("input.commitments[0].indicator"),
    );
    let body = app
        .gql_as(
            Some(&moe),
            SUBMIT,
            submit(
                w.moe_lushui,
                2017,
                json!([{ "indicator": "CADRES_DISPATCHED", "target": "2" },
                       { "indicator": "GRASSROOTS_CADRES_TRAINED", "target": "500" }]),
            ),
        )
        .await;
    ok(&body, "submitResponsibilityLetter");

    // Cadres trained are reported on east–west pairings, not on central units' ones.
    let body = app
        .gql_as(
            Some(&gd),
            REPORT,
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.gd_gx),
                "indicator": "CADRES_TRAINED", "year": 2017, "quarter": 2, "value": "45" } }),
        )
        .await;
    ok(&body, "reportProgress");
    let body = app
        .gql_as(
            Some(&moe),
            REPORT,
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.moe_lushui),
                "indicator": "CADRES_TRAINED", "year": 2017, "quarter": 2, "value": "45" } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.indicator"));
    let trained = progress_of(&app, w.gd_gx, 2017, "CADRES_TRAINED").await;
    assert_eq!(trained["achieved"], "45", "{trained}");
    assert_eq!(trained["basis"], "PROGRESS_REPORTS");

    // A signed central-unit letter's cadres dispatched count the year's cadre dispatches.
    let signed = letter(
        &app.db,
        w.moe_lushui,
        2018,
        LetterStatus::Signed,
        &[(Indicator::CadresDispatched, 2)],
    )
    .await;
    assert!(signed > 0);
    for name in ["甲", "乙", "丙"] {
        dispatch(
            &app.db,
            w.moe_lushui,
            w.moe,
            w.lushui,
            w.yunnan,
            name,
            PersonnelCategory::PartyGovernmentCadre,
            2018,
            DispatchStatus::InPost,
        )
        .await;
    }
    dispatch(
        &app.db,
        w.moe_lushui,
        w.moe,
        w.lushui,
        w.yunnan,
        "丁",
        PersonnelCategory::ProfessionalTechnician,
        2018,
        DispatchStatus::InPost,
    )
    .await;
    let cadres = entity::personnel_dispatch::Entity::find()
        .filter(entity::personnel_dispatch::Column::PairingId.eq(w.moe_lushui))
        .filter(entity::personnel_dispatch::Column::Year.eq(2018))
        .filter(
            entity::personnel_dispatch::Column::Category
                .eq(PersonnelCategory::PartyGovernmentCadre),
        )
        .all(&app.db)
        .await
        .expect("dispatches")
        .len();
    let got = progress_of(&app, w.moe_lushui, 2018, "CADRES_DISPATCHED").await;
    assert_eq!(got["target"], "2", "{got}");
    assert_eq!(got["achieved"], cadres.to_string(), "{got}");
    assert_eq!(got["basis"], "PERSONNEL_DISPATCHES");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_corrected_by_its_helper_until_verified_every_version_kept() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let body = app
        .gql_as(
            Some(&helper),
            REPORT,
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
                "indicator": "ENTERPRISES_INVESTED", "year": 2019, "quarter": 3, "value": "3" } }),
        )
        .await;
    let report = ok(&body, "reportProgress")["progressReport"].clone();
    assert_eq!(report["version"], 1);
    let id = report["id"].clone();
    let correction = |version: i32, value: &str, note: &str| {
        json!({ "input": { "progressReportId": id, "version": version, "value": value,
            "note": note } })
    };

    // Who may: the pairing's helper only.
    for (who, code) in [
        (None, "UNAUTHENTICATED"),
        (Some(token(Role::Helper, Some("440000"), None)), "FORBIDDEN"),
        (
            Some(token(Role::Recipient, None, Some("530000"))),
            "FORBIDDEN",
        ),
        (Some(token(Role::Admin, None, None)), "FORBIDDEN"),
    ] {
        let body = app
            .gql_as(who.as_deref(), CORRECT, correction(1, "5", "typo"))
            .await;
        assert_error(&body, code, None);
    }
    // Bad input names its field.
    for (input, field) in [
        (correction(1, "-1", "typo"), "input.value"),
        (correction(1, "1.5", "typo"), "input.value"),
        (correction(1, "5", "  "), "input.note"),
        (correction(0, "5", "typo"), "input.version"),
    ] {
        let body = app.gql_as(Some(&helper), CORRECT, input).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }

    let body = app
        .gql_as(Some(&helper), CORRECT, correction(1, "5", "typo"))
        .await;
    let r = ok(&body, "correctProgressReport")["progressReport"].clone();
    assert_eq!(r["value"], "5");
    assert_eq!(r["version"], 2);
    assert_eq!(
        r["versions"],
        json!([
            { "version": 1, "value": "3", "note": null, "author": "test-helper" },
            { "version": 2, "value": "5", "note": "typo", "author": "test-helper" }
        ])
    );
    // A retry answers as the first did and writes nothing.
    let again = app
        .gql_as(Some(&helper), CORRECT, correction(1, "5", "typo"))
        .await;
    assert_eq!(ok(&again, "correctProgressReport")["progressReport"], r);
    // Another correction of the stale version is a conflict.
    let stale = app
        .gql_as(Some(&helper), CORRECT, correction(1, "6", "again"))
        .await;
    assert_error(&stale, "CONFLICT", None);
    let body = app
        .gql_as(Some(&helper), CORRECT, correction(2, "7", "counted twice"))
        .await;
    assert_eq!(
        ok(&body, "correctProgressReport")["progressReport"]["version"],
        3
    );

    // The stored rows: three versions, the report holding the latest; two audited corrections.
    let (_, n) = pairing_api::global_id::parse_global_id("id", id.as_str().unwrap()).unwrap();
    let versions = entity::progress_report_version::Entity::find()
        .filter(entity::progress_report_version::Column::ReportId.eq(n))
        .all(&app.db)
        .await
        .expect("versions");
    let values: Vec<(i32, i64)> = versions.iter().map(|v| (v.version, v.value)).collect();
    assert_eq!(values, [(1, 3), (2, 5), (3, 7)]);
    let stored = entity::progress_report::Entity::find_by_id(n)
        .one(&app.db)
        .await
        .expect("read")
        .expect("report");
    assert_eq!(stored.value, 7);
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("correctProgressReport"))
        .filter(entity::audit_event::Column::EntityId.eq(n))
        .all(&app.db)
        .await
        .expect("audit");
    assert_eq!(audited.len(), 2);

    // The rollup counts the latest figure: the sum of the stored reports.
    let sum: i64 = entity::progress_report::Entity::find()
        .filter(entity::progress_report::Column::PairingId.eq(w.sh_yn))
        .filter(entity::progress_report::Column::Year.eq(2019))
        .filter(entity::progress_report::Column::Indicator.eq(Indicator::EnterprisesInvested))
        .all(&app.db)
        .await
        .expect("reports")
        .iter()
        .map(|r| r.value)
        .sum();
    let got = progress_of(&app, w.sh_yn, 2019, "ENTERPRISES_INVESTED").await;
    assert_eq!(got["achieved"], sum.to_string(), "{got}");

    // Once verified, it is never corrected.
    let county = token(Role::Recipient, None, Some("530000"));
    let body = app.gql_as(Some(&county), VERIFY, json!({ "id": id })).await;
    ok(&body, "verifyProgressReport");
    let body = app
        .gql_as(Some(&helper), CORRECT, correction(3, "8", "late"))
        .await;
    assert_error(&body, "CONFLICT", None);
    let stored = entity::progress_report::Entity::find_by_id(n)
        .one(&app.db)
        .await
        .expect("read")
        .expect("report");
    assert_eq!(stored.value, 7);

    // Others see the versions without their authors.
    let viewer = token(Role::Viewer, None, None);
    let body = app
        .gql_as(
            Some(&viewer),
            "query($id: ID!) { node(id: $id) { ... on ProgressReport { versions { version author } } } }",
            json!({ "id": id }),
        )
        .await;
    let list = body["data"]["node"]["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|v| v["author"].is_null()), "{body}");
}
