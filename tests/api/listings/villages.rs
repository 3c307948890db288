//! A listed village: visibility, and its transfer, dispatch and project end to end.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_village_receives_a_transfer_a_dispatch_and_a_project() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    village(&app, &w, 1).await;
    let admin = admin();
    let body = app
        .gql_as(
            Some(&admin),
            LIST,
            json!({ "input": { "regionCode": "532923100001", "year": 2020, "listedOn": "2020-03-01",
                    "combatPlanReference": "祥作战〔2020〕7号", "combatPlanStatus": "DRAFTED" } }),
        )
        .await;
    ok(&body);
    assert_eq!(listed(&app, "532923100001").await, (true, true));

    // Public, except the plan's reference.
    let q = "{ supervisionListings(first: 10, filter: { level: VILLAGE, regionCode: \"532923\" }) {
        totalCount nodes { region { code } combatPlanStatus combatPlanReference } } }";
    let anon = app.gql(q, json!({})).await;
    let n = &ok(&anon)["supervisionListings"];
    assert_eq!(n["totalCount"], 1);
    assert_eq!(n["nodes"][0]["combatPlanStatus"], "DRAFTED");
    assert_eq!(n["nodes"][0]["combatPlanReference"], Value::Null);
    let viewer = token(Role::Viewer, None, None);
    let seen = app.gql_as(Some(&viewer), q, json!({})).await;
    assert_eq!(
        ok(&seen)["supervisionListings"]["nodes"][0]["combatPlanReference"],
        "祥作战〔2020〕7号"
    );
    // A level that is never listed is refused, naming the filter.
    let body = app
        .gql(
            "{ supervisionListings(first: 1, filter: { level: PROVINCE }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("filter.level"));

    // The helper sends money and a first secretary to the village; the county confirms both.
    let helper = token(Role::Helper, Some("310000"), None);
    let county = token(Role::Recipient, None, Some("532923"));
    let body = app
        .gql_as(
            Some(&helper),
            "mutation($input: RecordFundTransferInput!) { recordFundTransfer(input: $input) { fundTransfer { id recipient { code } } } }",
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
                "referenceNo": "SH-YN-2020-V1", "recipientCode": "532923100001",
                "category": "FISCAL_AID", "amount": "300000.00", "year": 2020,
                "allocatedOn": "2020-04-01" } }),
        )
        .await;
    let t = ok(&body)["recordFundTransfer"]["fundTransfer"].clone();
    assert_eq!(t["recipient"]["code"], "532923100001");
    let body = app
        .gql_as(
            Some(&county),
            "mutation($input: ConfirmFundReceiptInput!) { confirmFundReceipt(input: $input) { fundTransfer { status } } }",
            json!({ "input": { "fundTransferId": t["id"], "receivedOn": "2020-04-10" } }),
        )
        .await;
    assert_eq!(
        ok(&body)["confirmFundReceipt"]["fundTransfer"]["status"],
        "RECEIVED"
    );
    let body = app
        .gql_as(
            Some(&helper),
            "mutation($input: DispatchPersonnelInput!) { dispatchPersonnel(input: $input) { personnelDispatch { id } } }",
            json!({ "input": { "pairingAgreementId": gid("PairingAgreement", w.sh_yn),
                "recipientCode": "532923100001", "personName": "王五",
                "category": "PARTY_GOVERNMENT_CADRE", "post": "village first secretary",
                "startOn": "2020-05-01" } }),
        )
        .await;
    let dispatch_id = ok(&body)["dispatchPersonnel"]["personnelDispatch"]["id"].clone();
    let body = app
        .gql_as(
            Some(&county),
            "mutation($input: ConfirmPersonnelArrivalInput!) { confirmPersonnelArrival(input: $input) { personnelDispatch { status } } }",
            json!({ "input": { "personnelDispatchId": dispatch_id, "arrivedOn": "2020-05-03" } }),
        )
        .await;
    ok(&body);

    // A project placed at the village; a village of another county is refused.
    let create = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id county { code } village { code } } } }";
    let project = |village: &str| {
        json!({ "input": { "countyCode": "532923", "villageCode": village, "name": "村级光伏电站",
                "sector": "industry", "budget": "500000.00" } })
    };
    let body = app
        .gql_as(Some(&county), create, project("532923100001"))
        .await;
    let p = &ok(&body)["createProject"]["project"];
    assert_eq!(p["county"]["code"], "532923");
    assert_eq!(p["village"]["code"], "532923100001");
    for code in ["533301100001", "532923100", "5329"] {
        assert_error(
            &app.gql_as(Some(&county), create, project(code)).await,
            "BAD_USER_INPUT",
            Some("input.villageCode"),
        );
    }

    // The rollups count the village's records for the village and for its county.
    let q = "{ v: region(code: \"532923100001\") { assistance(year: 2020) { received receivedTransfers personnelInPostTotal } }
               c: region(code: \"532923\") { assistance(year: 2020) { received personnelInPostTotal } } }";
    let body = app.gql(q, json!({})).await;
    let data = ok(&body);
    assert_eq!(data["v"]["assistance"]["received"], "300000.00");
    assert_eq!(data["v"]["assistance"]["receivedTransfers"], 1);
    assert_eq!(data["v"]["assistance"]["personnelInPostTotal"], 1);
    let county_received = data["c"]["assistance"]["received"]
        .as_str()
        .expect("received")
        .parse::<f64>()
        .expect("number");
    assert!(county_received >= 300_000.0, "{body}");

    // Neither listed-village finding for it: it had both in 2020.
    let body = app
        .gql_as(
            Some(&viewer),
            "{ dataQualityFindings(year: 2020, asOf: \"2020-12-31\", first: 100,
                 filter: { kinds: [LISTED_VILLAGE_WITHOUT_DISPATCH, LISTED_VILLAGE_WITHOUT_TRANSFER] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["dataQualityFindings"]["totalCount"], 0);
}
