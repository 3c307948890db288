//! Disputes of transfers, dispatches, deals and placements (one mechanism), partial receipts,
//! and the RECORD_DISPUTED finding, each checked against the stored rows.
use crate::fixtures::world;
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::{DisputeStatus, TransferStatus};
use pairing_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const OPEN: &str = "mutation($input: OpenDisputeInput!) { openDispute(input: $input) {
    dispute { id subjectKind subjectId year status reason answer region { code } helper { code } } } }";
const ANSWER: &str = "mutation($input: AnswerDisputeInput!) { answerDispute(input: $input) {
    dispute { id status answer previousAmount correctedAmount previousOn correctedOn } } }";
const RESOLVE: &str = "mutation($input: ResolveDisputeInput!) { resolveDispute(input: $input) {
    dispute { id status resolution } } }";
const FINDINGS: &str = "query($f: DataQualityFindingFilter) {
    dataQualityFindings(year: 2019, first: 100, filter: $f) {
      totalCount nodes { kind subjectId date region { code } pairingAgreement { id } } } }";

#[track_caller]
fn assert_error(body: &Value, code: &str, field: Option<&str>) {
    assert_eq!(error_code(body), Some(code), "{body}");
    if let Some(f) = field {
        assert_eq!(body["errors"][0]["extensions"]["field"], f, "{body}");
    }
}

#[track_caller]
fn dispute<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]["dispute"]
}

/// The unresolved disputes of 2019 as stored, as global ids.
async fn unresolved_ids(app: &TestApp) -> Vec<String> {
    let mut ids: Vec<String> = entity::dispute::Entity::find()
        .filter(entity::dispute::Column::Year.eq(2019))
        .filter(entity::dispute::Column::Status.ne(DisputeStatus::Resolved.as_str()))
        .all(&app.db)
        .await
        .expect("disputes")
        .into_iter()
        .map(|d| gid("Dispute", d.id))
        .collect();
    ids.sort();
    ids
}

/// The RECORD_DISPUTED findings' subject ids under `filter` (plus the kind).
async fn disputed_findings(app: &TestApp, who: &str, mut filter: Value) -> Vec<String> {
    filter["kinds"] = json!(["RECORD_DISPUTED"]);
    let body = app
        .gql_as(Some(who), FINDINGS, json!({ "f": filter }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let nodes = body["data"]["dataQualityFindings"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    let mut ids: Vec<String> = nodes
        .iter()
        .map(|n| {
            assert_eq!(n["kind"], "RECORD_DISPUTED");
            n["subjectId"].as_str().expect("id").to_string()
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_is_disputed_answered_with_a_correction_and_resolved() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("533301"));
    let admin = token(Role::Admin, None, None);
    // Transfer 1 went to Lushui (533301), ALLOCATED on 2019-03-01, 1,000,001.00 yuan.
    let t = w.transfers[1];
    let input = json!({ "input": { "subjectId": gid("FundTransfer", t), "reason": "only 900,000 arrived" } });

    for other in [
        helper.clone(),
        token(Role::Recipient, None, Some("532923")),
        token(Role::Viewer, None, None),
    ] {
        assert_error(
            &app.gql_as(Some(&other), OPEN, input.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    assert_error(&app.gql(OPEN, input.clone()).await, "UNAUTHENTICATED", None);
    let body = app.gql_as(Some(&county), OPEN, input.clone()).await;
    let d = dispute(&body, "openDispute").clone();
    assert_eq!(d["subjectKind"], "FUND_TRANSFER");
    assert_eq!(d["subjectId"], gid("FundTransfer", t));
    assert_eq!(d["status"], "OPEN");
    assert_eq!(d["year"], 2019);
    assert_eq!(d["region"]["code"], "533301");
    assert_eq!(d["helper"]["code"], "310000");
    let id = d["id"].as_str().expect("id").to_string();

    // A retry returns the same dispute; another reason while it is unresolved is a conflict.
    let again = app.gql_as(Some(&county), OPEN, input.clone()).await;
    assert_eq!(dispute(&again, "openDispute")["id"], id);
    let other_reason =
        json!({ "input": { "subjectId": gid("FundTransfer", t), "reason": "something else" } });
    assert_error(
        &app.gql_as(Some(&county), OPEN, other_reason).await,
        "CONFLICT",
        None,
    );
    assert_eq!(unresolved_ids(&app).await, vec![id.clone()]);

    // The unresolved dispute is a finding, filtered like the others, as the rows say.
    assert_eq!(
        disputed_findings(&app, &admin, json!({})).await,
        unresolved_ids(&app).await
    );
    assert_eq!(
        disputed_findings(
            &app,
            &admin,
            json!({ "helperCode": "310000", "regionCode": "533300" })
        )
        .await,
        vec![id.clone()]
    );
    assert!(
        disputed_findings(&app, &admin, json!({ "regionCode": "532923" }))
            .await
            .is_empty()
    );
    assert!(
        disputed_findings(&app, &admin, json!({ "helperCode": "440000" }))
            .await
            .is_empty()
    );

    // The helper answers and corrects its amount and allocation date; the county may not.
    let answer = json!({ "input": { "disputeId": id, "answer": "bank fee deducted; corrected",
        "correction": { "amount": "900000.00", "on": "2019-03-05" } } });
    for other in [county.clone(), token(Role::Helper, Some("440000"), None)] {
        assert_error(
            &app.gql_as(Some(&other), ANSWER, answer.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    let body = app.gql_as(Some(&helper), ANSWER, answer.clone()).await;
    let a = dispute(&body, "answerDispute");
    assert_eq!(a["status"], "ANSWERED");
    assert_eq!(a["previousAmount"], "1000001.00");
    assert_eq!(a["correctedAmount"], "900000.00");
    assert_eq!(a["previousOn"], "2019-03-01");
    assert_eq!(a["correctedOn"], "2019-03-05");
    let stored = entity::fund_transfer::Entity::find_by_id(t)
        .one(&app.db)
        .await
        .expect("read")
        .expect("transfer");
    assert_eq!(stored.amount_fen, 90_000_000);
    assert_eq!(stored.allocated_on, Some(crate::fixtures::d(2019, 3, 5)));
    assert_eq!(stored.status, TransferStatus::Allocated);
    // A retry returns the answer; another answer is a conflict.
    let again = app.gql_as(Some(&helper), ANSWER, answer.clone()).await;
    assert_eq!(dispute(&again, "answerDispute")["status"], "ANSWERED");
    let mut other = answer.clone();
    other["input"]["answer"] = json!("no");
    assert_error(
        &app.gql_as(Some(&helper), ANSWER, other).await,
        "CONFLICT",
        None,
    );
    // The correction is audited with the old values.
    let corrected = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("correctFundTransfer"))
        .all(&app.db)
        .await
        .expect("audit");
    assert_eq!(corrected.len(), 1);
    let before: Value =
        serde_json::from_str(corrected[0].before.as_deref().expect("before")).expect("json");
    assert_eq!(before["amount_fen"], 100_000_100);
    // Still unresolved: still a finding.
    assert_eq!(
        disputed_findings(&app, &admin, json!({})).await,
        vec![id.clone()]
    );

    // The county resolves it (the helper may not); the finding goes; a retry changes nothing.
    let resolve = json!({ "input": { "disputeId": id, "resolution": "accepted the correction" } });
    assert_error(
        &app.gql_as(Some(&helper), RESOLVE, resolve.clone()).await,
        "FORBIDDEN",
        None,
    );
    let body = app.gql_as(Some(&county), RESOLVE, resolve.clone()).await;
    assert_eq!(dispute(&body, "resolveDispute")["status"], "RESOLVED");
    let again = app.gql_as(Some(&county), RESOLVE, resolve.clone()).await;
    assert_eq!(dispute(&again, "resolveDispute")["status"], "RESOLVED");
    assert!(unresolved_ids(&app).await.is_empty());
    assert!(disputed_findings(&app, &admin, json!({})).await.is_empty());
    // A resolved dispute is not answered any more.
    assert_error(
        &app.gql_as(Some(&helper), ANSWER, answer.clone()).await,
        "CONFLICT",
        None,
    );

    // A new dispute may be raised once the first is resolved; the record lists both.
    let body = app.gql_as(Some(&admin), OPEN, input.clone()).await;
    let second = dispute(&body, "openDispute")["id"].clone();
    assert_ne!(second, json!(id));
    let body = app
        .gql_as(
            Some(&token(Role::Viewer, None, None)),
            "query($id: ID!) { node(id: $id) { ... on FundTransfer { amount disputes { id status } } } }",
            json!({ "id": gid("FundTransfer", t) }),
        )
        .await;
    assert_eq!(
        body["data"]["node"],
        json!({ "amount": "900000.00", "disputes": [
            { "id": id, "status": "RESOLVED" }, { "id": second, "status": "OPEN" } ] }),
        "{body}"
    );
    let listed = app
        .gql_as(
            Some(&admin),
            "query($s: ID!) { disputes(first: 10, filter: { subjectId: $s, unresolvedOnly: true }) { totalCount nodes { id } } }",
            json!({ "s": gid("FundTransfer", t) }),
        )
        .await;
    assert_eq!(
        listed["data"]["disputes"],
        json!({ "totalCount": 1, "nodes": [{ "id": second }] }),
        "{listed}"
    );
    let anonymous = app
        .gql("{ disputes(first: 10) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(anonymous["data"]["disputes"]["nodes"], json!([]));

    let actions: Vec<String> = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("Dispute"))
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "openDispute",
            "answerDispute",
            "resolveDispute",
            "openDispute"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_disputes_name_the_argument_and_write_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let admin = token(Role::Admin, None, None);
    let open = |subject: String, reason: &str| json!({ "input": { "subjectId": subject, "reason": reason } });
    assert_error(
        &app.gql_as(Some(&admin), OPEN, open(gid("Region", w.lushui), "x"))
            .await,
        "BAD_USER_INPUT",
        Some("input.subjectId"),
    );
    assert_error(
        &app.gql_as(Some(&admin), OPEN, open("nope".into(), "x"))
            .await,
        "BAD_USER_INPUT",
        Some("input.subjectId"),
    );
    assert_error(
        &app.gql_as(Some(&admin), OPEN, open(gid("FundTransfer", 999_999), "x"))
            .await,
        "BAD_USER_INPUT",
        Some("input.subjectId"),
    );
    assert_error(
        &app.gql_as(
            Some(&admin),
            OPEN,
            open(gid("FundTransfer", w.transfers[1]), " "),
        )
        .await,
        "BAD_USER_INPUT",
        Some("input.reason"),
    );
    // A PLANNED transfer was not paid out: nothing to dispute yet.
    assert_error(
        &app.gql_as(
            Some(&admin),
            OPEN,
            open(gid("FundTransfer", w.transfers[12]), "x"),
        )
        .await,
        "CONFLICT",
        None,
    );
    assert!(unresolved_ids(&app).await.is_empty());

    // A dispatch has no amount; a transfer's corrected amount is not below what was received.
    let body = app
        .gql_as(
            Some(&admin),
            OPEN,
            open(gid("PersonnelDispatch", w.dispatches[1]), "nobody arrived"),
        )
        .await;
    let on_dispatch = dispute(&body, "openDispute")["id"].clone();
    let helper = token(Role::Helper, Some("310000"), None);
    let bad = json!({ "input": { "disputeId": on_dispatch, "answer": "x", "correction": { "amount": "1.00" } } });
    assert_error(
        &app.gql_as(Some(&helper), ANSWER, bad).await,
        "BAD_USER_INPUT",
        Some("input.correction.amount"),
    );
    let body = app
        .gql_as(
            Some(&admin),
            OPEN,
            open(gid("FundTransfer", w.transfers[0]), "short"),
        )
        .await;
    let on_received = dispute(&body, "openDispute")["id"].clone();
    for (correction, field) in [
        (json!({ "amount": "1.00" }), "input.correction.amount"),
        (json!({ "amount": "0" }), "input.correction.amount"),
        (json!({ "on": "2019-04-02" }), "input.correction.on"),
        (json!({ "on": "2018-12-31" }), "input.correction.on"),
    ] {
        let bad = json!({ "input": { "disputeId": on_received, "answer": "x", "correction": correction } });
        assert_error(
            &app.gql_as(Some(&helper), ANSWER, bad).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }
    // Nothing was answered or corrected.
    let rows = entity::dispute::Entity::find()
        .all(&app.db)
        .await
        .expect("disputes");
    assert!(
        rows.iter().all(|d| d.status == DisputeStatus::Open),
        "{rows:?}"
    );
    let t = entity::fund_transfer::Entity::find_by_id(w.transfers[0])
        .one(&app.db)
        .await
        .expect("read")
        .expect("transfer");
    assert_eq!(t.amount_fen, 100_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deals_placements_and_dispatches_share_the_dispute() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("532923"));
    let admin = token(Role::Admin, None, None);

    // A deal disputed through its own mutation opens the shared dispute.
    let deal = crate::delivery::deal(&app.db, w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan).await;
    let body = app
        .gql_as(
            Some(&county),
            "mutation($input: DisputeProduceDealInput!) { disputeProduceDeal(input: $input) {
               produceDeal { status disputeReason disputes { id status reason } } } }",
            json!({ "input": { "produceDealId": gid("ProduceDeal", deal), "reason": "not in the ledger" } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"]["disputeProduceDeal"]["produceDeal"];
    assert_eq!(d["status"], "DISPUTED");
    assert_eq!(d["disputes"][0]["status"], "OPEN");
    assert_eq!(d["disputes"][0]["reason"], "not in the ledger");
    let deal_dispute = d["disputes"][0]["id"].clone();
    // The helper corrects the amount; resolving puts the deal back to RECORDED, to be confirmed.
    let body = app
        .gql_as(
            Some(&helper),
            ANSWER,
            json!({ "input": { "disputeId": deal_dispute, "answer": "typo",
                "correction": { "amount": "800.00" } } }),
        )
        .await;
    assert_eq!(dispute(&body, "answerDispute")["previousAmount"], "1000.00");
    let body = app
        .gql_as(
            Some(&county),
            RESOLVE,
            json!({ "input": { "disputeId": deal_dispute, "resolution": "fine now" } }),
        )
        .await;
    assert_eq!(dispute(&body, "resolveDispute")["status"], "RESOLVED");
    let body = app
        .gql_as(
            Some(&county),
            "mutation($input: ConfirmProduceDealInput!) { confirmProduceDeal(input: $input) { produceDeal { status amount } } }",
            json!({ "input": { "produceDealId": gid("ProduceDeal", deal), "confirmedOn": "2019-07-01" } }),
        )
        .await;
    assert_eq!(
        body["data"]["confirmProduceDeal"]["produceDeal"],
        json!({ "status": "CONFIRMED", "amount": "800.00" }),
        "{body}"
    );

    // A placement: the helper corrects its start.
    let placement =
        crate::delivery::placement(&app.db, w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan, w.shanghai)
            .await;
    let body = app
        .gql_as(
            Some(&county),
            OPEN,
            json!({ "input": { "subjectId": gid("LaborPlacement", placement), "reason": "started later" } }),
        )
        .await;
    let p = dispute(&body, "openDispute").clone();
    assert_eq!(p["subjectKind"], "LABOR_PLACEMENT");
    let body = app
        .gql_as(
            Some(&helper),
            ANSWER,
            json!({ "input": { "disputeId": p["id"], "answer": "yes",
                "correction": { "on": "2019-03-10" } } }),
        )
        .await;
    assert_eq!(dispute(&body, "answerDispute")["previousOn"], "2019-03-01");
    let stored = entity::labor_placement::Entity::find_by_id(placement)
        .one(&app.db)
        .await
        .expect("read")
        .expect("placement");
    assert_eq!(stored.start_on, crate::fixtures::d(2019, 3, 10));

    // A dispatch to Lushui, disputed by Lushui and resolved by ADMIN without an answer.
    let lushui = token(Role::Recipient, None, Some("533301"));
    let body = app
        .gql_as(
            Some(&lushui),
            OPEN,
            json!({ "input": { "subjectId": gid("PersonnelDispatch", w.dispatches[1]), "reason": "not seen" } }),
        )
        .await;
    let x = dispute(&body, "openDispute").clone();
    assert_eq!(x["subjectKind"], "PERSONNEL_DISPATCH");

    // The findings are the unresolved disputes (the placement's and the dispatch's), as stored.
    let unresolved = unresolved_ids(&app).await;
    assert_eq!(unresolved.len(), 2);
    assert_eq!(disputed_findings(&app, &admin, json!({})).await, unresolved);
    assert_eq!(
        disputed_findings(&app, &admin, json!({ "regionCode": "532923" })).await,
        [p["id"].as_str().expect("id").to_string()]
    );
    let body = app
        .gql_as(
            Some(&admin),
            RESOLVE,
            json!({ "input": { "disputeId": x["id"], "resolution": "arrived late" } }),
        )
        .await;
    assert_eq!(dispute(&body, "resolveDispute")["status"], "RESOLVED");
    assert_eq!(
        disputed_findings(&app, &admin, json!({})).await,
        [p["id"].as_str().expect("id").to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_receipt_counts_what_arrived() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let county = token(Role::Recipient, None, Some("533301"));
    const CONFIRM: &str =
        "mutation($input: ConfirmFundReceiptInput!) { confirmFundReceipt(input: $input) {
        fundTransfer { status amount receivedAmount receivedOn } } }";
    let too_much = json!({ "input": { "fundTransferId": gid("FundTransfer", w.transfers[3]),
        "receivedOn": "2019-04-01", "receivedAmount": "1000003.01" } });
    assert_error(
        &app.gql_as(Some(&county), CONFIRM, too_much).await,
        "BAD_USER_INPUT",
        Some("input.receivedAmount"),
    );
    let body = app
        .gql_as(
            Some(&county),
            CONFIRM,
            json!({ "input": { "fundTransferId": gid("FundTransfer", w.transfers[1]),
                "receivedOn": "2019-04-01", "receivedAmount": "600000.00" } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["confirmFundReceipt"]["fundTransfer"],
        json!({ "status": "RECEIVED", "amount": "1000001.00", "receivedAmount": "600000.00",
                "receivedOn": "2019-04-01" })
    );
    // The whole amount, stated: a receipt of the whole amount.
    let body = app
        .gql_as(
            Some(&county),
            CONFIRM,
            json!({ "input": { "fundTransferId": gid("FundTransfer", w.transfers[3]),
                "receivedOn": "2019-04-01", "receivedAmount": "1000003.00" } }),
        )
        .await;
    assert_eq!(
        body["data"]["confirmFundReceipt"]["fundTransfer"]["receivedAmount"], "1000003.00",
        "{body}"
    );

    // `received` of Lushui, Nujiang and Yunnan against a recomputation from the rows.
    let regions = entity::region::Entity::find()
        .all(&app.db)
        .await
        .expect("regions");
    let code_of = |id: i64| {
        regions
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.code.clone())
            .expect("region")
    };
    let transfers = entity::fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("transfers");
    for (code, prefix) in [("533301", "533301"), ("533300", "5333"), ("530000", "53")] {
        let (fen, n) = transfers
            .iter()
            .filter(|t| t.year == 2019 && t.status == TransferStatus::Received)
            .filter(|t| code_of(t.recipient_id).starts_with(prefix))
            .fold((0i64, 0i64), |(s, n), t| {
                (s + t.received_amount_fen.unwrap_or(t.amount_fen), n + 1)
            });
        let body = app
            .gql(
                "query($c: String!) { region(code: $c) { assistance(year: 2019) { received receivedTransfers } } }",
                json!({ "c": code }),
            )
            .await;
        let a = &body["data"]["region"]["assistance"];
        assert_eq!(
            a["received"],
            format!("{}.{:02}", fen / 100, fen % 100),
            "{code}: {body}"
        );
        assert_eq!(a["receivedTransfers"], n, "{code}: {body}");
    }
    let partial = transfers
        .iter()
        .find(|t| t.id == w.transfers[1])
        .expect("transfer");
    assert_eq!(partial.received_amount_fen, Some(60_000_000));
    assert_eq!(
        transfers
            .iter()
            .find(|t| t.id == w.transfers[3])
            .expect("transfer")
            .received_amount_fen,
        None
    );

    // A correction of a received transfer's amount keeps what the county confirmed received.
    let admin = token(Role::Admin, None, None);
    let body = app
        .gql_as(
            Some(&admin),
            OPEN,
            json!({ "input": { "subjectId": gid("FundTransfer", w.transfers[3]), "reason": "amount" } }),
        )
        .await;
    let id = dispute(&body, "openDispute")["id"].clone();
    let body = app
        .gql_as(
            Some(&token(Role::Helper, Some("310000"), None)),
            ANSWER,
            json!({ "input": { "disputeId": id, "answer": "we sent more",
                "correction": { "amount": "1200000.00" } } }),
        )
        .await;
    assert_eq!(dispute(&body, "answerDispute")["status"], "ANSWERED");
    let body = app
        .gql_as(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on FundTransfer { amount receivedAmount } } }",
            json!({ "id": gid("FundTransfer", w.transfers[3]) }),
        )
        .await;
    assert_eq!(
        body["data"]["node"],
        json!({ "amount": "1200000.00", "receivedAmount": "1000003.00" }),
        "{body}"
    );
}
