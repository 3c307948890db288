//! The write API: state machines, optimistic locking, idempotency, validation, atomicity and the
//! audit log.
use crate::fixtures::{World, world};
use crate::harness::{TestApp, error_code, is_postgres, token};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

pub fn gid(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn helper_sh() -> String {
    token(Role::Helper, Some("310000"), None)
}
fn recipient_yn() -> String {
    token(Role::Recipient, None, Some("530000"))
}
fn admin() -> String {
    token(Role::Admin, None, None)
}
fn auditor() -> String {
    token(Role::Auditor, None, None)
}

/// Asserts a response failed with `code` (and, for BAD_USER_INPUT, the field).
#[track_caller]
fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

#[track_caller]
fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

async fn audit_count(app: &TestApp) -> u64 {
    entity::audit_event::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

const SUBMIT: &str = "mutation($input: SubmitResponsibilityLetterInput!) {
  submitResponsibilityLetter(input: $input) {
    responsibilityLetter { id status version year commitments { indicator target } }
  }
}";
const AMEND: &str = "mutation($input: AmendResponsibilityLetterInput!) {
  amendResponsibilityLetter(input: $input) {
    responsibilityLetter { id status version commitments { indicator target }
      revisions { version rationale actor commitments { indicator target } } }
  }
}";
const SIGN: &str = "mutation($input: SignResponsibilityLetterInput!) {
  signResponsibilityLetter(input: $input) { responsibilityLetter { status version signedBy } }
}";
const RETURN: &str = "mutation($input: ReturnResponsibilityLetterInput!) {
  returnResponsibilityLetter(input: $input) { responsibilityLetter { status version } }
}";
const WITHDRAW: &str = "mutation($input: WithdrawResponsibilityLetterInput!) {
  withdrawResponsibilityLetter(input: $input) { responsibilityLetter { status version } }
}";
const RECORD: &str = "mutation($input: RecordFundTransferInput!) {
  recordFundTransfer(input: $input) { fundTransfer { id status amount referenceNo year } }
}";
const CONFIRM: &str = "mutation($input: ConfirmFundReceiptInput!) {
  confirmFundReceipt(input: $input) { fundTransfer { id status receivedOn } }
}";
const CANCEL: &str = "mutation($input: CancelFundTransferInput!) {
  cancelFundTransfer(input: $input) { fundTransfer { id status } }
}";
const AUDIT: &str = "query($filter: AuditEventFilter) {
  auditEvents(first: 100, filter: $filter) {
    totalCount nodes { actor role action entity entityId before after requestId }
  }
}";

fn letter_input(w: &World, year: i32) -> Value {
    json!({ "input": {
        "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "year": year,
        "commitments": [
            { "indicator": "FISCAL_AID_FUNDS", "target": "150000000.00" },
            { "indicator": "LABOR_TRANSFERRED", "target": "1200" }
        ]
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_letter_goes_from_submission_to_signature_with_every_revision_kept() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();

    let body = app
        .gql_as(Some(&helper), SUBMIT, letter_input(&w, 2018))
        .await;
    let letter = ok(&body)["submitResponsibilityLetter"]["responsibilityLetter"].clone();
    assert_eq!(letter["status"], "SUBMITTED");
    assert_eq!(letter["version"], 1);
    let id = letter["id"].as_str().expect("id").to_string();

    // A second letter for the same pairing and year is a conflict.
    let again = app
        .gql_as(Some(&helper), SUBMIT, letter_input(&w, 2018))
        .await;
    assert_error(&again, "CONFLICT", None);

    let amend = |version: i32| {
        json!({ "input": {
            "responsibilityLetterId": id, "version": version, "rationale": "county asked for more jobs",
            "commitments": [
                { "indicator": "FISCAL_AID_FUNDS", "target": "150000000.00" },
                { "indicator": "LABOR_TRANSFERRED", "target": "2000" }
            ]
        }})
    };
    let stale = app.gql_as(Some(&helper), AMEND, amend(7)).await;
    assert_error(&stale, "CONFLICT", None);
    assert!(
        stale["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("version")
    );

    let body = app.gql_as(Some(&helper), AMEND, amend(1)).await;
    let amended = ok(&body)["amendResponsibilityLetter"]["responsibilityLetter"].clone();
    assert_eq!(amended["version"], 2);
    assert_eq!(amended["status"], "SUBMITTED");
    let revisions = amended["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2, "{amended}");
    assert_eq!(revisions[0]["version"], 1);
    assert_eq!(revisions[0]["commitments"][1]["target"], "1200");
    assert_eq!(revisions[1]["version"], 2);
    assert_eq!(revisions[1]["rationale"], "county asked for more jobs");
    assert_eq!(revisions[1]["actor"], "test-helper");
    assert_eq!(revisions[1]["commitments"][1]["target"], "2000");

    // Only the national office signs; with the current version.
    let v = json!({ "input": { "responsibilityLetterId": id, "version": 2 } });
    assert_error(
        &app.gql_as(Some(&helper), SIGN, v.clone()).await,
        "FORBIDDEN",
        None,
    );
    let stale = json!({ "input": { "responsibilityLetterId": id, "version": 1 } });
    assert_error(
        &app.gql_as(Some(&admin()), SIGN, stale).await,
        "CONFLICT",
        None,
    );
    let body = app.gql_as(Some(&admin()), SIGN, v).await;
    let signed = &ok(&body)["signResponsibilityLetter"]["responsibilityLetter"];
    assert_eq!(signed["status"], "SIGNED");
    assert_eq!(signed["version"], 3);
    assert_eq!(signed["signedBy"], "test-admin");

    // A signed letter is final: amending, withdrawing, signing or returning it again conflict,
    // naming both states.
    let body = app.gql_as(Some(&helper), AMEND, amend(3)).await;
    assert_error(&body, "CONFLICT", None);
    let msg = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("SIGNED"), "{msg}");
    let v3 = json!({ "input": { "responsibilityLetterId": id, "version": 3 } });
    let body = app.gql_as(Some(&helper), WITHDRAW, v3.clone()).await;
    assert_error(&body, "CONFLICT", None);
    let msg = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("SIGNED") && msg.contains("WITHDRAWN"), "{msg}");
    assert_error(
        &app.gql_as(Some(&admin()), SIGN, v3).await,
        "CONFLICT",
        None,
    );
    let ret = json!({ "input": { "responsibilityLetterId": id, "version": 3, "reason": "x" } });
    let body = app.gql_as(Some(&admin()), RETURN, ret).await;
    assert_error(&body, "CONFLICT", None);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("SIGNED → RETURNED"),
        "{body}"
    );

    // Three writes, three audit events, each with before/after and the request id.
    let body = app
        .gql_as(
            Some(&auditor()),
            AUDIT,
            json!({ "filter": { "entityId": id } }),
        )
        .await;
    let events = &ok(&body)["auditEvents"];
    assert_eq!(events["totalCount"], 3, "{events}");
    let actions: Vec<&str> = events["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "submitResponsibilityLetter",
            "amendResponsibilityLetter",
            "signResponsibilityLetter"
        ]
    );
    let amend_event = &events["nodes"][1];
    assert_eq!(amend_event["actor"], "test-helper");
    assert_eq!(amend_event["role"], "HELPER");
    assert_eq!(amend_event["entityId"], id.as_str());
    assert!(
        amend_event["requestId"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    let before: Value =
        serde_json::from_str(amend_event["before"].as_str().expect("before")).expect("json");
    let after: Value =
        serde_json::from_str(amend_event["after"].as_str().expect("after")).expect("json");
    assert_eq!(before["version"], 1);
    assert_eq!(after["version"], 2);
    assert_eq!(after["rationale"], "county asked for more jobs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returned_and_withdrawn_letters_can_be_revised_and_resubmitted() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let body = app
        .gql_as(Some(&helper), SUBMIT, letter_input(&w, 2017))
        .await;
    let id = ok(&body)["submitResponsibilityLetter"]["responsibilityLetter"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let ret =
        json!({ "input": { "responsibilityLetterId": id, "version": 1, "reason": "too low" } });
    let body = app.gql_as(Some(&admin()), RETURN, ret).await;
    assert_eq!(
        ok(&body)["returnResponsibilityLetter"]["responsibilityLetter"]["status"],
        "RETURNED"
    );
    let resubmit = json!({ "input": {
        "responsibilityLetterId": id, "version": 2, "rationale": "raised", "submit": true,
        "commitments": [{ "indicator": "FISCAL_AID_FUNDS", "target": "200000000" }]
    }});
    let body = app.gql_as(Some(&helper), AMEND, resubmit).await;
    let l = &ok(&body)["amendResponsibilityLetter"]["responsibilityLetter"];
    assert_eq!(l["status"], "SUBMITTED");
    assert_eq!(l["version"], 3);
    let wd = json!({ "input": { "responsibilityLetterId": id, "version": 3, "reason": "pairing changes" } });
    let body = app.gql_as(Some(&helper), WITHDRAW, wd.clone()).await;
    assert_eq!(
        ok(&body)["withdrawResponsibilityLetter"]["responsibilityLetter"]["status"],
        "WITHDRAWN"
    );
    let body = app
        .gql_as(
            Some(&helper),
            WITHDRAW,
            json!({ "input": { "responsibilityLetterId": id, "version": 4 } }),
        )
        .await;
    assert_error(&body, "CONFLICT", None);
    let msg = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("WITHDRAWN → WITHDRAWN"), "{msg}");

    // The fixture's 2020 draft has no revision yet: its first amendment keeps the original too.
    let draft = gid("ResponsibilityLetter", w.letter_2020);
    let body = app
        .gql_as(
            Some(&helper),
            AMEND,
            json!({ "input": { "responsibilityLetterId": draft, "version": 1, "rationale": "final figures",
                "commitments": [{ "indicator": "FISCAL_AID_FUNDS", "target": "130000000" }] } }),
        )
        .await;
    let l = &ok(&body)["amendResponsibilityLetter"]["responsibilityLetter"];
    assert_eq!(l["status"], "DRAFT");
    let revs = l["revisions"].as_array().expect("revisions");
    assert_eq!(revs.len(), 2, "{l}");
    assert_eq!(revs[0]["commitments"][0]["target"], "120000000.00");
    assert_eq!(revs[1]["commitments"][0]["target"], "130000000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn letter_validation_names_the_field() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut wrong_indicator = letter_input(&w, 2018);
    wrong_indicator["input"]["commitments"][1]["indicator"] = json!("DIRECT_INVESTMENT");
    cases.push((wrong_indicator, "input.commitments[1].indicator"));
    let mut negative = letter_input(&w, 2018);
    negative["input"]["commitments"][0]["target"] = json!("-1");
    cases.push((negative, "input.commitments[0].target"));
    let mut fraction = letter_input(&w, 2018);
    fraction["input"]["commitments"][1]["target"] = json!("1.5");
    cases.push((fraction, "input.commitments[1].target"));
    let mut dup = letter_input(&w, 2018);
    dup["input"]["commitments"][1]["indicator"] = json!("FISCAL_AID_FUNDS");
    cases.push((dup, "input.commitments[1].indicator"));
    cases.push((letter_input(&w, 2015), "input.year"));
    cases.push((letter_input(&w, 2021), "input.year"));
    let mut empty = letter_input(&w, 2018);
    empty["input"]["commitments"] = json!([]);
    cases.push((empty, "input.commitments"));
    let mut bad_id = letter_input(&w, 2018);
    bad_id["input"]["pairingAgreementId"] = json!(gid("Region", w.yunnan));
    cases.push((bad_id, "input.pairingAgreementId"));
    for (vars, field) in cases {
        let body = app.gql_as(Some(&helper), SUBMIT, vars).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    let amend = json!({ "input": { "responsibilityLetterId": gid("ResponsibilityLetter", w.letter_2020),
        "version": 1, "rationale": "  ", "commitments": [{ "indicator": "FISCAL_AID_FUNDS", "target": "1" }] } });
    assert_error(
        &app.gql_as(Some(&helper), AMEND, amend).await,
        "BAD_USER_INPUT",
        Some("input.rationale"),
    );
    assert_eq!(audit_count(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_amendments_at_one_version_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let id = gid("ResponsibilityLetter", w.letter_2020);
    let calls = (0..20).map(|i| {
        let vars = json!({ "input": { "responsibilityLetterId": id, "version": 1,
            "rationale": format!("attempt {i}"),
            "commitments": [{ "indicator": "FISCAL_AID_FUNDS", "target": format!("{}", 1000 + i) }] } });
        let (app, helper) = (&app, &helper);
        async move { app.gql_as(Some(helper), AMEND, vars).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let wins = results.iter().filter(|b| b.get("errors").is_none()).count();
    let conflicts = results
        .iter()
        .filter(|b| error_code(b) == Some("CONFLICT"))
        .count();
    assert_eq!(wins, 1, "{results:?}");
    assert_eq!(conflicts, 19, "{results:?}");
    let letter = entity::responsibility_letter::Entity::find_by_id(w.letter_2020)
        .one(&app.db)
        .await
        .expect("query")
        .expect("letter");
    assert_eq!(letter.version, 2);
    let revisions = entity::letter_revision::Entity::find()
        .filter(entity::letter_revision::Column::LetterId.eq(w.letter_2020))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(revisions, 2, "the original and the one amendment");
    let commitments = entity::commitment::Entity::find()
        .filter(entity::commitment::Column::LetterId.eq(w.letter_2020))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(commitments, 1);
    assert_eq!(audit_count(&app).await, 1);
}

fn transfer_input(w: &World, key: Option<&str>, amount: &str) -> Value {
    json!({ "input": {
        "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
        "referenceNo": "SH-YN-2020-900",
        "recipientCode": "532923",
        "category": "FISCAL_AID",
        "amount": amount,
        "year": 2020,
        "plannedOn": "2020-02-01",
        "allocatedOn": "2020-03-01",
        "projectId": gid("Project", w.project),
        "purpose": "greenhouses",
        "idempotencyKey": key,
    }})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_transfer_is_recorded_once_and_a_reused_key_conflicts() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let first = app
        .gql_as(
            Some(&helper),
            RECORD,
            transfer_input(&w, Some("k-1"), "1250000.00"),
        )
        .await;
    let t = ok(&first)["recordFundTransfer"]["fundTransfer"].clone();
    assert_eq!(t["status"], "ALLOCATED");
    assert_eq!(t["amount"], "1250000.00");
    let retry = app
        .gql_as(
            Some(&helper),
            RECORD,
            transfer_input(&w, Some("k-1"), "1250000.00"),
        )
        .await;
    assert_eq!(
        ok(&retry)["recordFundTransfer"]["fundTransfer"]["id"],
        t["id"]
    );
    let reused = app
        .gql_as(
            Some(&helper),
            RECORD,
            transfer_input(&w, Some("k-1"), "1250000.01"),
        )
        .await;
    assert_error(&reused, "CONFLICT", None);
    // Without a key, a repeated reference number is a conflict too.
    let dup = app
        .gql_as(Some(&helper), RECORD, transfer_input(&w, None, "5.00"))
        .await;
    assert_error(&dup, "CONFLICT", None);
    let rows = entity::fund_transfer::Entity::find()
        .filter(entity::fund_transfer::Column::ReferenceNo.eq("SH-YN-2020-900"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    assert_eq!(audit_count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_retries_with_one_key_make_one_row() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let calls = (0..50).map(|_| {
        let (app, helper, vars) = (
            &app,
            &helper,
            transfer_input(&w, Some("burst-key"), "880000.00"),
        );
        async move { app.gql_as(Some(helper), RECORD, vars).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ids: std::collections::BTreeSet<String> = results
        .iter()
        .map(|b| {
            ok(b)["recordFundTransfer"]["fundTransfer"]["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every retry answers with the same transfer");
    let rows = entity::fund_transfer::Entity::find()
        .filter(entity::fund_transfer::Column::IdempotencyKey.eq("burst-key"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    assert_eq!(audit_count(&app).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_validation_names_the_field() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    let base = transfer_input(&w, None, "100.00");
    let with = |k: &str, v: Value| {
        let mut x = base.clone();
        x["input"][k] = v;
        x
    };
    let cases = [
        (with("amount", json!("0")), "input.amount"),
        (with("amount", json!("-5.00")), "input.amount"),
        (with("amount", json!("0.001")), "input.amount"),
        (with("amount", json!("10000000000.01")), "input.amount"),
        (with("allocatedOn", json!(tomorrow)), "input.allocatedOn"),
        (
            with("recipientCode", json!("451228")),
            "input.recipientCode",
        ),
        (with("recipientCode", json!("53")), "input.recipientCode"),
        (with("year", json!(2021)), "input.year"),
        (
            with("category", json!("DIRECT_INVESTMENT")),
            "input.category",
        ),
        (
            {
                let mut x = with("recipientCode", json!("533301"));
                x["input"]["projectId"] = json!(gid("Project", w.project));
                x
            },
            "input.projectId",
        ),
        (with("referenceNo", json!("")), "input.referenceNo"),
    ];
    for (vars, field) in cases {
        let body = app.gql_as(Some(&helper), RECORD, vars).await;
        assert_error(&body, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(audit_count(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_confirms_receipt_once_and_received_money_cannot_be_cancelled() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // transfers[1] went to 泸水 (533301), ALLOCATED on 2019-03-01.
    let id = gid("FundTransfer", w.transfers[1]);
    let county = token(Role::Recipient, None, Some("533301"));
    let other_county = token(Role::Recipient, None, Some("532923"));
    let early = json!({ "input": { "fundTransferId": id, "receivedOn": "2019-02-28" } });
    assert_error(
        &app.gql_as(Some(&county), CONFIRM, early).await,
        "BAD_USER_INPUT",
        Some("input.receivedOn"),
    );
    let good = json!({ "input": { "fundTransferId": id, "receivedOn": "2019-03-05" } });
    assert_error(
        &app.gql_as(Some(&other_county), CONFIRM, good.clone()).await,
        "FORBIDDEN",
        None,
    );
    let body = app.gql_as(Some(&county), CONFIRM, good.clone()).await;
    let t = &ok(&body)["confirmFundReceipt"]["fundTransfer"];
    assert_eq!(t["status"], "RECEIVED");
    assert_eq!(t["receivedOn"], "2019-03-05");
    let body = app.gql_as(Some(&county), CONFIRM, good).await;
    assert_error(&body, "CONFLICT", None);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("RECEIVED → RECEIVED")
    );
    let body = app
        .gql_as(
            Some(&helper_sh()),
            CANCEL,
            json!({ "input": { "fundTransferId": id } }),
        )
        .await;
    assert_error(&body, "CONFLICT", None);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("RECEIVED → CANCELLED")
    );
}

/// Makes every audit insert fail, so a write fails after its own rows were written.
async fn break_the_audit_log(app: &TestApp) {
    let statements: &[&str] = if is_postgres() {
        &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log down'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ]
    } else {
        &[
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log down'); END",
        ]
    };
    for s in statements {
        app.db.execute_unprepared(s).await.expect("install trigger");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_leaves_no_partial_rows_and_no_audit_event() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let count = |t: &'static str| {
        let db = app.db.clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {t}"),
                ))
                .await
                .expect("count")
                .expect("row");
            row.try_get::<i64>("", "n").expect("n")
        }
    };
    let tables = [
        "responsibility_letters",
        "commitments",
        "letter_revisions",
        "fund_transfers",
        "personnel_dispatches",
        "audit_events",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(t).await);
    }
    break_the_audit_log(&app).await;

    let body = app
        .gql_as(Some(&helper), SUBMIT, letter_input(&w, 2018))
        .await;
    assert_error(&body, "INTERNAL", None);
    assert!(
        !body.to_string().contains("audit log down"),
        "no internals leak: {body}"
    );
    let amend = json!({ "input": { "responsibilityLetterId": gid("ResponsibilityLetter", w.letter_2020),
        "version": 1, "rationale": "r", "commitments": [{ "indicator": "SOCIAL_AID_FUNDS", "target": "9" }] } });
    assert_error(
        &app.gql_as(Some(&helper), AMEND, amend).await,
        "INTERNAL",
        None,
    );
    let body = app
        .gql_as(
            Some(&helper),
            RECORD,
            transfer_input(&w, Some("k"), "10.00"),
        )
        .await;
    assert_error(&body, "INTERNAL", None);

    let mut after = Vec::new();
    for t in tables {
        after.push(count(t).await);
    }
    assert_eq!(before, after, "tables {tables:?}");
    let letter = entity::responsibility_letter::Entity::find_by_id(w.letter_2020)
        .one(&app.db)
        .await
        .expect("query")
        .expect("letter");
    assert_eq!(letter.version, 1, "the version bump was rolled back");
    let commitments = entity::commitment::Entity::find()
        .filter(entity::commitment::Column::LetterId.eq(w.letter_2020))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(commitments.len(), 1);
    assert_eq!(commitments[0].target, 12_000_000_000, "fen");
}

const DISPATCH: &str = "mutation($input: DispatchPersonnelInput!) {
  dispatchPersonnel(input: $input) { personnelDispatch { id status personName year } }
}";
const ARRIVE: &str = "mutation($input: ConfirmPersonnelArrivalInput!) {
  confirmPersonnelArrival(input: $input) { personnelDispatch { status arrivedOn } }
}";
const RETURNED: &str = "mutation($input: RecordPersonnelReturnInput!) {
  recordPersonnelReturn(input: $input) { personnelDispatch { status returnedOn } }
}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatch_arrives_and_returns_and_its_name_stays_out_of_the_audit_log() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let input = json!({ "input": {
        "pairingAgreementId": gid("PairingAgreement", w.sh_yn), "recipientCode": "533301",
        "personName": "赵六", "category": "PROFESSIONAL_TECHNICIAN", "specialty": "doctor",
        "post": "县医院副院长", "startOn": "2020-03-01", "endOn": "2021-02-28" } });
    let mut bad = input.clone();
    bad["input"]["endOn"] = json!("2020-01-01");
    assert_error(
        &app.gql_as(Some(&helper), DISPATCH, bad).await,
        "BAD_USER_INPUT",
        Some("input.endOn"),
    );
    let mut bad = input.clone();
    bad["input"]["startOn"] = json!("2021-03-01");
    assert_error(
        &app.gql_as(Some(&helper), DISPATCH, bad).await,
        "BAD_USER_INPUT",
        Some("input.startOn"),
    );
    let mut bad = input.clone();
    bad["input"]["recipientCode"] = json!("451228");
    assert_error(
        &app.gql_as(Some(&helper), DISPATCH, bad).await,
        "BAD_USER_INPUT",
        Some("input.recipientCode"),
    );

    let body = app.gql_as(Some(&helper), DISPATCH, input).await;
    let d = ok(&body)["dispatchPersonnel"]["personnelDispatch"].clone();
    assert_eq!(d["status"], "DISPATCHED");
    assert_eq!(d["personName"], "赵六");
    assert_eq!(d["year"], 2020);
    let id = d["id"].as_str().expect("id").to_string();

    let ret = json!({ "input": { "personnelDispatchId": id, "returnedOn": "2021-02-28" } });
    let body = app.gql_as(Some(&helper), RETURNED, ret.clone()).await;
    assert_error(&body, "CONFLICT", None);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("DISPATCHED → RETURNED")
    );

    let arrive = json!({ "input": { "personnelDispatchId": id, "arrivedOn": "2020-03-02" } });
    let county = token(Role::Recipient, None, Some("533301"));
    let body = app.gql_as(Some(&county), ARRIVE, arrive.clone()).await;
    assert_eq!(
        ok(&body)["confirmPersonnelArrival"]["personnelDispatch"]["status"],
        "IN_POST"
    );
    assert_error(
        &app.gql_as(Some(&county), ARRIVE, arrive).await,
        "CONFLICT",
        None,
    );
    let early = json!({ "input": { "personnelDispatchId": id, "returnedOn": "2020-03-01" } });
    assert_error(
        &app.gql_as(Some(&helper), RETURNED, early).await,
        "BAD_USER_INPUT",
        Some("input.returnedOn"),
    );
    let body = app.gql_as(Some(&helper), RETURNED, ret).await;
    assert_eq!(
        ok(&body)["recordPersonnelReturn"]["personnelDispatch"]["status"],
        "RETURNED"
    );

    let body = app
        .gql_as(
            Some(&auditor()),
            AUDIT,
            json!({ "filter": { "entity": "PersonnelDispatch" } }),
        )
        .await;
    let events = &ok(&body)["auditEvents"];
    assert_eq!(events["totalCount"], 3);
    assert!(!events.to_string().contains("赵六"), "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_reported_by_the_helper_and_verified_by_the_recipient_once() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = helper_sh();
    let q = "mutation($input: ReportProgressInput!) { reportProgress(input: $input) { progressReport { id value verifiedBy } } }";
    let v = "mutation($input: VerifyProgressReportInput!) { verifyProgressReport(input: $input) { progressReport { verifiedBy verifiedAt } } }";
    let input = |indicator: &str, quarter: i32, value: &str| {
        json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn), "indicator": indicator,
            "year": 2019, "quarter": quarter, "value": value } })
    };
    assert_error(
        &app.gql_as(Some(&helper), q, input("FISCAL_AID_FUNDS", 2, "1"))
            .await,
        "BAD_USER_INPUT",
        Some("input.indicator"),
    );
    assert_error(
        &app.gql_as(Some(&helper), q, input("CADRES_DISPATCHED", 2, "1"))
            .await,
        "BAD_USER_INPUT",
        Some("input.indicator"),
    );
    assert_error(
        &app.gql_as(Some(&helper), q, input("PRODUCE_PURCHASED", 2, "1"))
            .await,
        "BAD_USER_INPUT",
        Some("input.indicator"),
    );
    // Labour is counted from confirmed placements, not reported.
    assert_error(
        &app.gql_as(Some(&helper), q, input("LABOR_TRANSFERRED", 2, "1"))
            .await,
        "BAD_USER_INPUT",
        Some("input.indicator"),
    );
    assert_error(
        &app.gql_as(Some(&helper), q, input("ENTERPRISES_INVESTED", 5, "1"))
            .await,
        "BAD_USER_INPUT",
        Some("input.quarter"),
    );
    assert_error(
        &app.gql_as(Some(&helper), q, input("ENTERPRISES_INVESTED", 2, "-1"))
            .await,
        "BAD_USER_INPUT",
        Some("input.value"),
    );
    let body = app
        .gql_as(Some(&helper), q, input("ENTERPRISES_INVESTED", 2, "450"))
        .await;
    let r = ok(&body)["reportProgress"]["progressReport"].clone();
    assert_eq!(r["value"], "450");
    assert_error(
        &app.gql_as(Some(&helper), q, input("ENTERPRISES_INVESTED", 2, "5"))
            .await,
        "CONFLICT",
        None,
    );
    let vars = json!({ "input": { "progressReportId": r["id"] } });
    // 泸水 lies in Yunnan but does not contain the pairing's recipient (the whole province).
    let county = token(Role::Recipient, None, Some("533301"));
    assert_error(
        &app.gql_as(Some(&county), v, vars.clone()).await,
        "FORBIDDEN",
        None,
    );
    let body = app.gql_as(Some(&recipient_yn()), v, vars.clone()).await;
    assert_eq!(
        ok(&body)["verifyProgressReport"]["progressReport"]["verifiedBy"],
        "test-recipient"
    );
    assert_error(
        &app.gql_as(Some(&recipient_yn()), v, vars).await,
        "CONFLICT",
        None,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_national_office_keeps_pairings_regions_and_organizations() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    let admin = admin();
    let body = app
        .gql_as(
            Some(&admin),
            "mutation { createRegion(input: { code: \"530100\", name: \"昆明市\", level: PREFECTURE, parentCode: \"530000\" }) { region { code zone level parent { code } } } }",
            json!({}),
        )
        .await;
    let r = &ok(&body)["createRegion"]["region"];
    assert_eq!(r["zone"], "WEST");
    assert_eq!(r["parent"]["code"], "530000");
    let bad = [
        (
            "{ code: \"450100\", name: \"x\", level: PREFECTURE, parentCode: \"530000\" }",
            "input.parentCode",
        ),
        (
            "{ code: \"530200\", name: \"x\", level: PREFECTURE }",
            "input.parentCode",
        ),
        (
            "{ code: \"530300\", name: \"x\", level: PROVINCE, parentCode: \"530000\" }",
            "input.level",
        ),
        (
            "{ code: \"5303\", name: \"x\", level: PREFECTURE, parentCode: \"530000\" }",
            "input.code",
        ),
        (
            "{ code: \"660000\", name: \"x\", level: PROVINCE }",
            "input.zone",
        ),
        (
            "{ code: \"530400\", name: \" \", level: PREFECTURE, parentCode: \"530000\" }",
            "input.name",
        ),
    ];
    for (input, field) in bad {
        let q = format!("mutation {{ createRegion(input: {input}) {{ region {{ code }} }} }}");
        assert_error(
            &app.gql_as(Some(&admin), &q, json!({})).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }
    let dup = "mutation { createRegion(input: { code: \"530100\", name: \"昆明市\", level: PREFECTURE, parentCode: \"530000\" }) { region { code } } }";
    assert_error(
        &app.gql_as(Some(&admin), dup, json!({})).await,
        "CONFLICT",
        None,
    );
    let body = app
        .gql_as(Some(&admin), "mutation { updateRegion(input: { code: \"451228\", listedForSupervision: true, exitYear: 2020 }) { region { poverty { listedForSupervision exitYear } } } }", json!({}))
        .await;
    assert_eq!(
        ok(&body)["updateRegion"]["region"]["poverty"]["exitYear"],
        2020
    );

    let body = app
        .gql_as(Some(&admin), "mutation { createOrganization(input: { code: \"CU-MOF\", name: \"财政部\", kind: CENTRAL_UNIT }) { organization { code kind } } }", json!({}))
        .await;
    assert_eq!(
        ok(&body)["createOrganization"]["organization"]["kind"],
        "CENTRAL_UNIT"
    );
    let body = app
        .gql_as(Some(&admin), "mutation { createOrganization(input: { code: \"530100\", name: \"昆明市人民政府\", kind: CITY_GOVERNMENT }) { organization { code } } }", json!({}))
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.regionCode"));
    let body = app
        .gql_as(Some(&admin), "mutation { updateOrganization(input: { code: \"CU-MOF\", shortName: \"财政\" }) { organization { shortName } } }", json!({}))
        .await;
    assert_eq!(
        ok(&body)["updateOrganization"]["organization"]["shortName"],
        "财政"
    );

    let create = "mutation($input: CreatePairingAgreementInput!) { createPairingAgreement(input: $input) { pairingAgreement { id status startYear endYear } } }";
    let body = app
        .gql_as(Some(&admin), create, json!({ "input": { "program": "DESIGNATED_ASSISTANCE", "helperCode": "CU-MOF", "recipientCode": "532923", "startYear": 2016 } }))
        .await;
    let p = ok(&body)["createPairingAgreement"]["pairingAgreement"].clone();
    assert_eq!(p["status"], "ACTIVE");
    let body = app
        .gql_as(Some(&admin), create, json!({ "input": { "program": "DESIGNATED_ASSISTANCE", "helperCode": "CU-MOF", "recipientCode": "530000", "startYear": 2016 } }))
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.recipientCode"));
    let body = app
        .gql_as(Some(&admin), create, json!({ "input": { "program": "EAST_WEST", "helperCode": "310000", "recipientCode": "530000", "startYear": 2021, "endYear": 2020 } }))
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.endYear"));
    let end = "mutation($input: EndPairingAgreementInput!) { endPairingAgreement(input: $input) { pairingAgreement { status endYear } } }";
    let vars = json!({ "input": { "pairingAgreementId": p["id"], "endYear": 2020 } });
    let body = app.gql_as(Some(&admin), end, vars.clone()).await;
    assert_eq!(
        ok(&body)["endPairingAgreement"]["pairingAgreement"]["status"],
        "ENDED"
    );
    let body = app.gql_as(Some(&admin), end, vars).await;
    assert_error(&body, "CONFLICT", None);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("ENDED → ENDED")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_keeps_its_project_library() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let county = token(Role::Recipient, None, Some("532923"));
    let create = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id status budget } } }";
    let update = "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { status name } } }";
    let input = json!({ "input": { "countyCode": "532923", "name": "祥云县冷链仓储", "sector": "industry", "budget": "3000000.00", "beneficiaries": 800 } });
    let body = app.gql_as(Some(&county), create, input.clone()).await;
    let p = ok(&body)["createProject"]["project"].clone();
    assert_eq!(p["status"], "PLANNED");
    assert_eq!(p["budget"], "3000000.00");
    let mut bad = input.clone();
    bad["input"]["countyCode"] = json!("532900");
    let prefecture = token(Role::Recipient, None, Some("532900"));
    assert_error(
        &app.gql_as(Some(&prefecture), create, bad).await,
        "BAD_USER_INPUT",
        Some("input.countyCode"),
    );
    let mut bad = input.clone();
    bad["input"]["budget"] = json!("-1");
    assert_error(
        &app.gql_as(Some(&county), create, bad).await,
        "BAD_USER_INPUT",
        Some("input.budget"),
    );
    let mut other = input.clone();
    other["input"]["countyCode"] = json!("533301");
    assert_error(
        &app.gql_as(Some(&county), create, other).await,
        "FORBIDDEN",
        None,
    );

    let fixture = gid("Project", w.project);
    let body = app
        .gql_as(
            Some(&county),
            update,
            json!({ "input": { "projectId": fixture, "status": "COMPLETED" } }),
        )
        .await;
    assert_eq!(ok(&body)["updateProject"]["project"]["status"], "COMPLETED");
    let body = app
        .gql_as(
            Some(&county),
            update,
            json!({ "input": { "projectId": fixture, "status": "PLANNED" } }),
        )
        .await;
    assert_error(&body, "CONFLICT", None);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("COMPLETED → PLANNED")
    );
    let body = app
        .gql_as(
            Some(&county),
            update,
            json!({ "input": { "projectId": fixture, "name": "祥云县蔬菜大棚二期" } }),
        )
        .await;
    assert_eq!(
        ok(&body)["updateProject"]["project"]["name"],
        "祥云县蔬菜大棚二期"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_auditors_and_the_national_office_read_the_audit_log() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    assert_error(&app.gql(AUDIT, json!({})).await, "UNAUTHENTICATED", None);
    for t in [token(Role::Viewer, None, None), helper_sh(), recipient_yn()] {
        assert_error(
            &app.gql_as(Some(&t), AUDIT, json!({})).await,
            "FORBIDDEN",
            None,
        );
    }
    for t in [auditor(), admin()] {
        let body = app.gql_as(Some(&t), AUDIT, json!({})).await;
        assert_eq!(ok(&body)["auditEvents"]["totalCount"], 0);
    }
}
