//! `Organization.progress(includeSubordinates: true)`: a province helper's year over its own
//! pairings and those of the governments within its province, checked against a recomputation
//! from the stored rows; without the argument the answer stays the organization's own.
use super::*;
use crate::fixtures::{self, d, letter, transfer, world};
use crate::harness::TestApp;
use entity::enums::{
    FundCategory, Indicator, LetterStatus, OrganizationKind, PairingStatus, Program, RegionLevel,
    TransferStatus, Zone,
};
use entity::{
    commitment, fund_transfer, organization, pairing_agreement, region, responsibility_letter,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};
use std::collections::{BTreeMap, HashMap, HashSet};

async fn org(app: &TestApp, code: &str, kind: OrganizationKind, region: i64) -> i64 {
    organization::ActiveModel {
        id: NotSet,
        code: Set(code.into()),
        name: Set(format!("机构{code}")),
        short_name: Set(None),
        kind: Set(kind),
        region_id: Set(Some(region)),
    }
    .insert(&app.db)
    .await
    .expect("insert organization")
    .id
}

async fn pair(app: &TestApp, helper: i64, recipient: i64) -> i64 {
    pairing_agreement::ActiveModel {
        id: NotSet,
        program: Set(Program::CountyToCounty),
        helper_id: Set(helper),
        recipient_id: Set(recipient),
        start_year: Set(2017),
        end_year: Set(None),
        status: Set(PairingStatus::Active),
        document_ref: Set(None),
    }
    .insert(&app.db)
    .await
    .expect("insert pairing")
    .id
}

/// Per indicator name: (target in minor units, letters, achieved for fund indicators, counted).
type Expected = BTreeMap<String, (Option<i64>, i64, Option<(i64, i64)>)>;

/// The figures of `year` over the pairings of `head` and (with `subordinates`) of the
/// governments whose region lies within `head`'s, from the raw rows. With `subordinates`, target
/// and achieved have one basis: the pairings with a signed letter of the year.
async fn recomputed(app: &TestApp, head: i64, year: i32, subordinates: bool) -> Expected {
    let regions: HashMap<i64, String> = region::Entity::find()
        .all(&app.db)
        .await
        .expect("regions")
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    let orgs = organization::Entity::find()
        .all(&app.db)
        .await
        .expect("orgs");
    let head_region = orgs
        .iter()
        .find(|o| o.id == head)
        .and_then(|o| o.region_id)
        .map(|r| regions[&r].clone());
    let government = |k: OrganizationKind| {
        matches!(
            k,
            OrganizationKind::ProvincialGovernment
                | OrganizationKind::CityGovernment
                | OrganizationKind::CountyGovernment
        )
    };
    let members: HashSet<i64> = orgs
        .iter()
        .filter(|o| {
            o.id == head
                || (subordinates
                    && government(o.kind)
                    && match (&head_region, o.region_id) {
                        (Some(scope), Some(r)) => {
                            pairing_api::region_code::covers(scope, &regions[&r])
                        }
                        _ => false,
                    })
        })
        .map(|o| o.id)
        .collect();
    let pairings: HashSet<i64> = pairing_agreement::Entity::find()
        .all(&app.db)
        .await
        .expect("pairings")
        .into_iter()
        .filter(|p| members.contains(&p.helper_id))
        .map(|p| p.id)
        .collect();
    let signed_letters: Vec<responsibility_letter::Model> = responsibility_letter::Entity::find()
        .filter(responsibility_letter::Column::Year.eq(year))
        .filter(responsibility_letter::Column::Status.eq(LetterStatus::Signed))
        .all(&app.db)
        .await
        .expect("letters")
        .into_iter()
        .filter(|l| pairings.contains(&l.pairing_id))
        .collect();
    let signed: HashSet<i64> = signed_letters.iter().map(|l| l.id).collect();
    let with_letter: HashSet<i64> = signed_letters.iter().map(|l| l.pairing_id).collect();
    let mut out = Expected::new();
    for c in commitment::Entity::find()
        .all(&app.db)
        .await
        .expect("commitments")
    {
        if signed.contains(&c.letter_id) {
            let e = out.entry(c.indicator.as_str().to_string()).or_default();
            e.0 = Some(e.0.unwrap_or(0) + c.target);
            e.1 += 1;
        }
    }
    for t in fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("transfers")
    {
        let counted = matches!(
            t.status,
            TransferStatus::Allocated | TransferStatus::Received
        );
        let basis = !subordinates || with_letter.contains(&t.pairing_id);
        if t.year == year && counted && pairings.contains(&t.pairing_id) && basis {
            let indicator = match t.category {
                FundCategory::FiscalAid => Indicator::FiscalAidFunds,
                FundCategory::SocialAid => Indicator::SocialAidFunds,
                FundCategory::DirectInvestment => Indicator::DirectInvestment,
                FundCategory::AttractedInvestment => Indicator::AttractedFunds,
            };
            let e = out.entry(indicator.as_str().to_string()).or_default();
            let (sum, n) = e.2.unwrap_or((0, 0));
            e.2 = Some((sum + t.amount_fen, n + 1));
        }
    }
    out
}

/// A decimal of the API in minor units (`"5000000.00"` is 500000000).
fn minor(v: &Value) -> i64 {
    v.as_str()
        .expect("decimal")
        .replace('.', "")
        .parse()
        .expect("digits")
}

async fn progress(app: &TestApp, code: &str, subordinates: Option<bool>) -> Vec<Value> {
    progress_of(app, code, 2019, subordinates).await
}

async fn progress_of(
    app: &TestApp,
    code: &str,
    year: i32,
    subordinates: Option<bool>,
) -> Vec<Value> {
    // Omitted, the argument takes its default.
    let argument = subordinates.map_or(String::new(), |s| format!(", includeSubordinates: {s}"));
    let q = format!(
        "query($code: String!) {{ organization(code: $code) {{ progress(year: {year}{argument}) {{
          indicators {{ indicator target committedLetters achieved countedRecords basis
            completionRate }} }} }} }}"
    );
    let body = app.gql(&q, json!({ "code": code })).await;
    ok(&body)["organization"]["progress"]["indicators"]
        .as_array()
        .expect("indicators")
        .clone()
}

#[track_caller]
fn assert_matches(indicators: &[Value], expected: &Expected) {
    let mut with_target = 0;
    for i in indicators {
        let name = i["indicator"].as_str().expect("indicator");
        let e = expected.get(name).copied().unwrap_or_default();
        let target = (!i["target"].is_null()).then(|| minor(&i["target"]));
        assert_eq!(target, e.0, "{name} target: {i}");
        assert_eq!(i["committedLetters"], e.1, "{name}: {i}");
        with_target += usize::from(target.is_some());
        if i["basis"] == "FUND_TRANSFERS" {
            let (sum, n) = e.2.unwrap_or((0, 0));
            assert_eq!(minor(&i["achieved"]), sum, "{name} achieved: {i}");
            assert_eq!(i["countedRecords"], n, "{name}: {i}");
        }
    }
    assert_eq!(
        with_target,
        expected.values().filter(|e| e.0.is_some()).count()
    );
    // Every fund indicator the rows show is there.
    for (name, e) in expected {
        if e.2.is_some() {
            assert!(
                indicators.iter().any(|i| i["indicator"] == name.as_str()),
                "{name}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_province_helper_rolls_up_its_districts_pairings() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let huangpu = region::Entity::find()
        .filter(region::Column::Code.eq("310101"))
        .one(&app.db)
        .await
        .expect("read")
        .expect("Huangpu");
    // Shanghai's Huangpu district helps Xiangyun; an enterprise registered in Huangpu helps
    // Lushui (not a government: not Shanghai's subordinate); Guangdong's Tianhe district helps
    // Du'an (another province).
    let huangpu_gov = org(
        &app,
        "310101",
        OrganizationKind::CountyGovernment,
        huangpu.id,
    )
    .await;
    let firm = org(&app, "91310101", OrganizationKind::Enterprise, huangpu.id).await;
    let tianhe = fixtures::region(
        &app.db,
        "440106",
        "天河区",
        RegionLevel::County,
        Zone::East,
        None,
        None,
        false,
    )
    .await;
    let tianhe_gov = org(&app, "440106", OrganizationKind::CountyGovernment, tianhe).await;
    let hp_xy = pair(&app, huangpu_gov, w.xiangyun).await;
    let firm_ls = pair(&app, firm, w.lushui).await;
    let th_da = pair(&app, tianhe_gov, w.du_an).await;
    for (p, helper, recipient, province) in [
        (hp_xy, huangpu_gov, w.xiangyun, w.yunnan),
        (firm_ls, firm, w.lushui, w.yunnan),
        (th_da, tianhe_gov, w.du_an, w.guangxi),
    ] {
        letter(
            &app.db,
            p,
            2019,
            LetterStatus::Signed,
            &[
                (Indicator::FiscalAidFunds, 500_000_000),
                (Indicator::SocialAidFunds, 100_000_000),
            ],
        )
        .await;
        for (i, (category, amount, status)) in [
            (
                FundCategory::FiscalAid,
                200_000_000,
                TransferStatus::Received,
            ),
            (
                FundCategory::SocialAid,
                30_000_000,
                TransferStatus::Allocated,
            ),
            (FundCategory::SocialAid, 70_000_000, TransferStatus::Planned),
        ]
        .into_iter()
        .enumerate()
        {
            transfer(
                &app.db,
                &format!("SUB-{p}-{i}"),
                p,
                helper,
                recipient,
                province,
                category,
                amount,
                status,
                2019,
                Some(d(2019, 4, 1)),
                (status == TransferStatus::Received).then(|| d(2019, 4, 20)),
                None,
                None,
            )
            .await;
        }
    }
    // A draft letter of Huangpu's counts for nothing, and neither do the transfers of its
    // pairing: without a signed letter it commits to nothing.
    let hp_draft = pair(&app, huangpu_gov, w.lushui).await;
    letter(
        &app.db,
        hp_draft,
        2019,
        LetterStatus::Draft,
        &[(Indicator::FiscalAidFunds, 900_000_000)],
    )
    .await;
    transfer(
        &app.db,
        "SUB-DRAFT-0",
        hp_draft,
        huangpu_gov,
        w.lushui,
        w.yunnan,
        FundCategory::FiscalAid,
        7_000_000_000,
        TransferStatus::Received,
        2019,
        Some(d(2019, 4, 1)),
        Some(d(2019, 4, 20)),
        None,
        None,
    )
    .await;

    let family = progress(&app, "310000", Some(true)).await;
    let expected = recomputed(&app, w.sh_gov, 2019, true).await;
    assert_matches(&family, &expected);
    // Shanghai's own 2019 letter (100,000,000.00 yuan of fiscal aid) and Huangpu's (5,000,000.00).
    let fiscal = family
        .iter()
        .find(|i| i["indicator"] == "FISCAL_AID_FUNDS")
        .expect("fiscal aid");
    assert_eq!(fiscal["target"], "105000000.00", "{fiscal}");
    assert_eq!(fiscal["committedLetters"], 2, "{fiscal}");
    // The 70,000,000.00 yuan under the pairing without a signed letter are not in it.
    assert!(minor(&fiscal["achieved"]) < 7_000_000_000, "{fiscal}");

    // progressSummary by helper with subordinates: Shanghai's group is the same rollup, and
    // every group is its helper's `progress(includeSubordinates: true)`.
    let body = app
        .gql(
            "{ progressSummary(year: 2019, groupBy: HELPER, includeSubordinates: true) {
                 helper { code } progress { indicators { indicator target committedLetters
                   achieved countedRecords basis completionRate } } } }",
            json!({}),
        )
        .await;
    let groups = ok(&body)["progressSummary"]
        .as_array()
        .expect("groups")
        .clone();
    let shanghai = groups
        .iter()
        .find(|g| g["helper"]["code"] == "310000")
        .expect("Shanghai's group");
    assert_matches(
        shanghai["progress"]["indicators"]
            .as_array()
            .expect("indicators"),
        &expected,
    );
    for g in &groups {
        let code = g["helper"]["code"].as_str().expect("code");
        assert_eq!(
            g["progress"]["indicators"].as_array().expect("indicators"),
            &progress_of(&app, code, 2019, Some(true)).await,
            "{code}"
        );
    }
    // Other groupings have no subordinates.
    for by in ["PROGRAM", "RECIPIENT_PROVINCE"] {
        let body = app
            .gql(
                &format!(
                    "{{ progressSummary(year: 2019, groupBy: {by}, includeSubordinates: true) {{ program }} }}"
                ),
                json!({}),
            )
            .await;
        assert_error(&body, "BAD_USER_INPUT", Some("includeSubordinates"));
    }

    // Without the argument, or with false, Shanghai's own pairings only.
    let own = recomputed(&app, w.sh_gov, 2019, false).await;
    for sub in [None, Some(false)] {
        let alone = progress(&app, "310000", sub).await;
        assert_matches(&alone, &own);
        let fiscal = alone
            .iter()
            .find(|i| i["indicator"] == "FISCAL_AID_FUNDS")
            .expect("fiscal aid");
        assert_eq!(fiscal["target"], "100000000.00", "{fiscal}");
    }

    // A district has no subordinates but itself; Guangdong's rollup takes in Tianhe, not Huangpu.
    assert_matches(
        &progress(&app, "310101", Some(true)).await,
        &recomputed(&app, huangpu_gov, 2019, true).await,
    );
    let guangdong = progress(&app, "440000", Some(true)).await;
    assert_matches(&guangdong, &recomputed(&app, w.gd_gov, 2019, true).await);
    let fiscal = guangdong
        .iter()
        .find(|i| i["indicator"] == "FISCAL_AID_FUNDS")
        .expect("fiscal aid");
    assert_eq!(fiscal["achieved"], "2000000.00", "{fiscal}");

    // A page of one organization and a page of all cost the same statements.
    let q = |n: usize| {
        format!(
            "{{ organizations(first: {n}) {{ nodes {{ code progress(year: 2019, includeSubordinates: true) {{ indicators {{ achieved }} }} }} }} }}"
        )
    };
    let mut counts = Vec::new();
    for n in [1, 100] {
        let before = app.sql_statements().await;
        ok(&app.gql(&q(n), json!({})).await);
        counts.push(app.sql_statements().await - before);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shanghai_with_its_districts_in_2020_compares_like_with_like() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let shanghai = organization::Entity::find()
        .filter(organization::Column::Code.eq("310000"))
        .one(&app.db)
        .await
        .expect("read")
        .expect("Shanghai");
    // Shanghai's own 2020 letters are unsigned in the demo; its districts' are signed. Target and
    // achieved both come from the pairings with a signed 2020 letter.
    let family = progress_of(&app, "310000", 2020, Some(true)).await;
    let expected = recomputed(&app, shanghai.id, 2020, true).await;
    assert_matches(&family, &expected);
    let mut rated = 0;
    for i in &family {
        if i["basis"] == "FUND_TRANSFERS" && !i["completionRate"].is_null() {
            let rate = i["completionRate"].as_f64().expect("rate");
            assert!((0.0..=2.0).contains(&rate), "{i}");
            let (sum, _) = expected[i["indicator"].as_str().expect("name")]
                .2
                .unwrap_or((0, 0));
            let target = minor(&i["target"]);
            assert!((rate - sum as f64 / target as f64).abs() < 1e-9, "{i}");
            rated += 1;
        }
    }
    assert!(rated > 0, "{family:?}");
    // progressSummary's Shanghai group says the same.
    let body = app
        .gql(
            "{ progressSummary(year: 2020, groupBy: HELPER, includeSubordinates: true) {
                 helper { code } progress { indicators { indicator target committedLetters
                 achieved countedRecords basis completionRate } } } }",
            json!({}),
        )
        .await;
    let groups = ok(&body)["progressSummary"].as_array().expect("groups");
    let group = groups
        .iter()
        .find(|g| g["helper"]["code"] == "310000")
        .expect("Shanghai's group");
    assert_eq!(group["progress"]["indicators"], json!(family));
}
