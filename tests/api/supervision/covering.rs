//! `Region.pairingsCovering`: the pairings that reach a region, those of the region itself and of
//! every region above it, checked against a recomputation from the stored rows.
use super::*;
use crate::fixtures::world;
use crate::harness::TestApp;
use entity::enums::{PairingStatus, Program};
use entity::{pairing_agreement, region};
use sea_orm::{ActiveModelTrait, EntityTrait, NotSet, Set};
use std::collections::{BTreeSet, HashMap};

async fn pair(app: &TestApp, helper: i64, recipient: i64, start: i32) -> i64 {
    pairing_agreement::ActiveModel {
        id: NotSet,
        program: Set(Program::EastWest),
        helper_id: Set(helper),
        recipient_id: Set(recipient),
        start_year: Set(start),
        end_year: Set(None),
        status: Set(PairingStatus::Active),
        document_ref: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("insert pairing")
    .id
}

/// The pairing ids whose recipient is `code` or covers it, from the raw rows.
async fn recomputed(app: &TestApp, code: &str) -> BTreeSet<String> {
    let regions: HashMap<i64, String> = region::Entity::find()
        .all(&app.db)
        .await
        .expect("regions")
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    pairing_agreement::Entity::find()
        .all(&app.db)
        .await
        .expect("pairings")
        .into_iter()
        .filter(|p| pairing_api::region_code::covers(&regions[&p.recipient_id], code))
        .map(|p| gid("PairingAgreement", p.id))
        .collect()
}

/// Every id of `pairingsCovering` of the region `code`, two per page.
async fn listed(app: &TestApp, code: &str, filter: Value) -> (BTreeSet<String>, i64) {
    let q = "query($code: String!, $after: String, $filter: PairingAgreementFilter) {
      region(code: $code) { pairingsCovering(first: 2, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id recipient { code } } } } }";
    let mut ids = BTreeSet::new();
    let mut after = Value::Null;
    let mut total = -1;
    loop {
        let body = app
            .gql(q, json!({ "code": code, "after": after, "filter": filter }))
            .await;
        let conn = &ok(&body)["region"]["pairingsCovering"];
        total = conn["totalCount"].as_i64().unwrap_or(total);
        for n in conn["nodes"].as_array().expect("nodes") {
            let recipient = n["recipient"]["code"].as_str().expect("recipient");
            assert!(
                pairing_api::region_code::covers(recipient, code),
                "{recipient} does not reach {code}"
            );
            assert!(ids.insert(n["id"].as_str().expect("id").to_string()));
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            return (ids, total);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_sees_its_own_and_its_prefectures_pairings_not_a_sibling_prefectures() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // Guangdong pairs with Dali (Xiangyun's prefecture), with Nujiang (a sibling prefecture), with
    // Xiangyun itself; Shanghai's pairing with Yunnan (the province) comes with the world, as does
    // the Ministry's with Lushui (in Nujiang) and Guangdong's with Guangxi.
    let dali = pair(&app, w.gd_gov, w.dali, 2016).await;
    let nujiang = pair(&app, w.gd_gov, w.nujiang, 2016).await;
    let xiangyun = pair(&app, w.gd_gov, w.xiangyun, 2018).await;

    let (ids, total) = listed(&app, "532923", Value::Null).await;
    let expected: BTreeSet<String> = [w.sh_yn, dali, xiangyun]
        .into_iter()
        .map(|id| gid("PairingAgreement", id))
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(ids, recomputed(&app, "532923").await);
    assert_eq!(total, 3);
    for other in [nujiang, w.moe_lushui, w.gd_gx] {
        assert!(!ids.contains(&gid("PairingAgreement", other)));
    }

    // Lushui sees Nujiang's and the province's, and its own; Dali sees the province's and its own.
    for code in ["533301", "532900", "530000", "450000"] {
        let (ids, total) = listed(&app, code, Value::Null).await;
        assert_eq!(ids, recomputed(&app, code).await, "{code}");
        assert_eq!(total, ids.len() as i64, "{code}");
    }

    // The filter still narrows: in force in 2017, Xiangyun's own pairing (from 2018) drops out.
    let (ids, _) = listed(&app, "532923", json!({ "year": 2017 })).await;
    assert_eq!(
        ids,
        [w.sh_yn, dali]
            .into_iter()
            .map(|id| gid("PairingAgreement", id))
            .collect::<BTreeSet<_>>()
    );
}

/// The pairing ids (in id order) whose recipient is `code` or covers it, from the raw rows.
async fn ordered(app: &TestApp, code: &str) -> Vec<String> {
    let regions: HashMap<i64, String> = region::Entity::find()
        .all(&app.db)
        .await
        .expect("regions")
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    let mut ids: Vec<i64> = pairing_agreement::Entity::find()
        .all(&app.db)
        .await
        .expect("pairings")
        .into_iter()
        .filter(|p| pairing_api::region_code::covers(&regions[&p.recipient_id], code))
        .map(|p| p.id)
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|id| gid("PairingAgreement", id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn covering_pages_of_many_regions_are_one_batch_and_match_the_rows() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    // Kunming (530100) gets two pairings of its own and its district 530102 one: the district is
    // reached by four, more than a page of three.
    let id_of = |code: &'static str| {
        let db = app.db.clone();
        async move {
            use sea_orm::{ColumnTrait, QueryFilter};
            region::Entity::find()
                .filter(region::Column::Code.eq(code))
                .one(&db)
                .await
                .expect("read")
                .expect("region")
                .id
        }
    };
    let helper = {
        use sea_orm::{ColumnTrait, QueryFilter};
        entity::organization::Entity::find()
            .filter(entity::organization::Column::Code.eq("440000"))
            .one(&app.db)
            .await
            .expect("read")
            .expect("Guangdong")
            .id
    };
    let kunming = id_of("530100").await;
    let wuhua = id_of("530102").await;
    pair(&app, helper, kunming, 2016).await;
    pair(&app, helper, kunming, 2019).await;
    pair(&app, helper, wuhua, 2017).await;
    let q = |n: usize| {
        format!(
            "{{ regions(first: {n}, filter: {{ provinceCode: \"530000\" }}) {{ nodes {{ code
                head: pairingsCovering(first: 3) {{ totalCount pageInfo {{ hasNextPage }}
                  nodes {{ id helper {{ code }} recipient {{ code }} }} }}
                tail: pairingsCovering(last: 2) {{ nodes {{ id }} }} }} }} }}"
        )
    };
    // Statements per request do not grow with the page of regions.
    let mut counts = Vec::new();
    let mut answer = Value::Null;
    for n in [1, 20] {
        let before = app.sql_statements().await;
        let body = app.gql(&q(n), json!({})).await;
        counts.push(app.sql_statements().await - before);
        answer = ok(&body).clone();
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");

    // Each region's pages are those of the stored rows.
    let regions = answer["regions"]["nodes"].as_array().expect("regions");
    assert_eq!(regions.len(), 20);
    let mut reached = 0;
    for r in regions {
        let code = r["code"].as_str().expect("code");
        let expected = ordered(&app, code).await;
        let head = &r["head"];
        assert_eq!(head["totalCount"], expected.len(), "{code}: {r}");
        let got: Vec<&str> = head["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id"))
            .collect();
        let want: Vec<&str> = expected.iter().take(3).map(String::as_str).collect();
        assert_eq!(got, want, "{code}");
        assert_eq!(
            head["pageInfo"]["hasNextPage"],
            expected.len() > 3,
            "{code}"
        );
        for n in head["nodes"].as_array().expect("nodes") {
            let recipient = n["recipient"]["code"].as_str().expect("recipient");
            assert!(pairing_api::region_code::covers(recipient, code), "{code}");
        }
        let tail: Vec<&str> = r["tail"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id"))
            .collect();
        let want: Vec<&str> = expected
            .iter()
            .skip(expected.len().saturating_sub(2))
            .map(String::as_str)
            .collect();
        assert_eq!(tail, want, "{code}");
        reached += usize::from(expected.len() > 1);
    }
    // Yunnan's own pairing reaches every one of its regions, and Kunming's reach further.
    assert!(reached >= 2, "{answer}");
}
