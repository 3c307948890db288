//! Listing, the combat plan and lifting; `updateRegion`'s listing; the migration's backfill.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_is_listed_its_plan_recorded_and_the_listing_lifted() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    let admin = admin();
    assert_eq!(listed(&app, "532923").await, (false, false));

    let input = json!({ "regionCode": "532923", "year": 2020, "listedOn": "2020-03-01" });
    // Refused: anonymous, a county, the province's government (it updates plans only).
    let vars = json!({ "input": input });
    assert_error(&app.gql(LIST, vars.clone()).await, "UNAUTHENTICATED", None);
    for t in [
        token(Role::Recipient, None, Some("532923")),
        token(Role::Recipient, None, Some("530000")),
        token(Role::Viewer, None, None),
    ] {
        assert_error(
            &app.gql_as(Some(&t), LIST, vars.clone()).await,
            "FORBIDDEN",
            None,
        );
    }
    // Bad input names its field.
    let bad = |k: &str, v: Value| {
        let mut i = input.clone();
        i[k] = v;
        json!({ "input": i })
    };
    for (vars, field) in [
        (bad("regionCode", json!("530000")), "input.regionCode"),
        (bad("regionCode", json!("532999")), "input.regionCode"),
        (bad("regionCode", json!("53")), "input.regionCode"),
        (bad("listedOn", json!("2019-12-31")), "input.listedOn"),
        (bad("listedOn", json!("2999-01-01")), "input.listedOn"),
        (bad("year", json!(1900)), "input.year"),
        (
            bad("supervisingProvinceCode", json!("532900")),
            "input.supervisingProvinceCode",
        ),
    ] {
        assert_error(
            &app.gql_as(Some(&admin), LIST, vars).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }

    let body = app.gql_as(Some(&admin), LIST, vars.clone()).await;
    let l = ok(&body)["listForSupervision"]["supervisionListing"].clone();
    assert_eq!(l["region"]["code"], "532923");
    assert_eq!(l["supervisingProvince"]["code"], "530000");
    assert_eq!(l["combatPlanStatus"], "NONE");
    assert_eq!(l["active"], true);
    assert_eq!(listed(&app, "532923").await, (true, true));
    // A retry answers with the same listing; another listing of the region for 2020 conflicts.
    let retry = app.gql_as(Some(&admin), LIST, vars).await;
    assert_eq!(
        ok(&retry)["listForSupervision"]["supervisionListing"]["id"],
        l["id"]
    );
    let other = bad("listedOn", json!("2020-04-01"));
    assert_error(
        &app.gql_as(Some(&admin), LIST, other).await,
        "CONFLICT",
        None,
    );

    // The combat plan: a reference is needed beyond NONE; Yunnan's government records it, not
    // Guangxi's nor the county.
    let id = l["id"].clone();
    let plan = |status: &str, reference: Option<&str>| {
        json!({ "input": { "supervisionListingId": id, "combatPlanStatus": status,
                "combatPlanReference": reference } })
    };
    let yunnan = token(Role::Recipient, None, Some("530000"));
    assert_error(
        &app.gql_as(Some(&yunnan), PLAN, plan("DRAFTED", None)).await,
        "BAD_USER_INPUT",
        Some("input.combatPlanReference"),
    );
    for t in [
        token(Role::Recipient, None, Some("450000")),
        token(Role::Recipient, None, Some("532923")),
    ] {
        assert_error(
            &app.gql_as(Some(&t), PLAN, plan("DRAFTED", Some("滇作战〔2020〕1号")))
                .await,
            "FORBIDDEN",
            None,
        );
    }
    let body = app
        .gql_as(
            Some(&yunnan),
            PLAN,
            plan("APPROVED", Some("滇作战〔2020〕1号")),
        )
        .await;
    let p = &ok(&body)["updateCombatPlan"]["supervisionListing"];
    assert_eq!(p["combatPlanStatus"], "APPROVED");
    assert_eq!(p["combatPlanReference"], "滇作战〔2020〕1号");
    // The reference stays when only the status moves.
    let body = app
        .gql_as(Some(&admin), PLAN, plan("IN_PROGRESS", None))
        .await;
    let p = &ok(&body)["updateCombatPlan"]["supervisionListing"];
    assert_eq!(p["combatPlanReference"], "滇作战〔2020〕1号");

    // Lifting: not before the listing, not in the future; a retry is the same lifting.
    let lift = |on: &str| json!({ "input": { "supervisionListingId": id, "liftedOn": on } });
    assert_error(
        &app.gql_as(Some(&admin), LIFT, lift("2020-02-01")).await,
        "BAD_USER_INPUT",
        Some("input.liftedOn"),
    );
    assert_error(
        &app.gql_as(Some(&yunnan), LIFT, lift("2020-12-31")).await,
        "FORBIDDEN",
        None,
    );
    let body = app.gql_as(Some(&admin), LIFT, lift("2020-12-31")).await;
    let lifted = &ok(&body)["liftSupervisionListing"]["supervisionListing"];
    assert_eq!(lifted["active"], false);
    assert_eq!(lifted["liftedOn"], "2020-12-31");
    ok(&app.gql_as(Some(&admin), LIFT, lift("2020-12-31")).await);
    assert_error(
        &app.gql_as(Some(&admin), LIFT, lift("2020-11-30")).await,
        "CONFLICT",
        None,
    );
    assert_eq!(listed(&app, "532923").await, (false, false));

    // Every write is audited once (retries that changed nothing are not).
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Entity.eq("SupervisionListing"))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(audited, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_region_lists_and_lifts_for_the_current_year() {
    let app = TestApp::spawn().await;
    let _w = world(&app.db).await;
    let q = "mutation($input: UpdateRegionInput!) { updateRegion(input: $input) {
        region { poverty { listedForSupervision } supervisionListings(first: 5) { nodes { year active } } } } }";
    let admin = admin();
    let body = app
        .gql_as(
            Some(&admin),
            q,
            json!({ "input": { "code": "532923", "listedForSupervision": true } }),
        )
        .await;
    let r = &ok(&body)["updateRegion"]["region"];
    assert_eq!(r["poverty"]["listedForSupervision"], true);
    let year = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y")
        .to_string();
    assert_eq!(
        r["supervisionListings"]["nodes"][0]["year"].to_string(),
        year
    );
    // Lushui's 2020 listing is lifted by `false`.
    let body = app
        .gql_as(
            Some(&admin),
            q,
            json!({ "input": { "code": "533301", "listedForSupervision": false } }),
        )
        .await;
    let r = &ok(&body)["updateRegion"]["region"];
    assert_eq!(r["poverty"]["listedForSupervision"], false);
    assert_eq!(r["supervisionListings"]["nodes"][0]["active"], false);
    // A prefecture cannot be listed.
    let body = app
        .gql_as(
            Some(&admin),
            q,
            json!({ "input": { "code": "532900", "listedForSupervision": true } }),
        )
        .await;
    assert_error(&body, "BAD_USER_INPUT", Some("input.listedForSupervision"));
}

/// The listings migration turns every region flagged listed into a 2020 listing supervised by its
/// own province, and drops the flag.
#[test]
fn the_migration_lists_the_flagged_regions_for_2020() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let database = crate::harness::TestDatabase::create();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let url = pairing_api::db::normalize_url(&database.url);
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        let pending = Migrator::get_pending_migrations(&db)
            .await
            .expect("pending");
        let at = pending
            .iter()
            .position(|m| m.name() == "m20261209_100001_supervision_listings")
            .expect("the listings migration");
        Migrator::up(&db, Some(u32::try_from(at).expect("a count")))
            .await
            .expect("earlier migrations");
        // The flag as it stood: Yunnan, Nujiang, Lushui (listed) and Xiangyun (not).
        for sql in [
            "INSERT INTO regions (id, code, name, level, zone, is_listed) VALUES (1, '530000', '云南省', 'PROVINCE', 'WEST', false)",
            "UPDATE regions SET province_id = 1 WHERE id = 1",
            "INSERT INTO regions (id, code, name, level, zone, parent_id, province_id, is_listed) VALUES (2, '533300', '怒江州', 'PREFECTURE', 'WEST', 1, 1, false)",
            "INSERT INTO regions (id, code, name, level, zone, parent_id, province_id, is_listed) VALUES (3, '533301', '泸水市', 'COUNTY', 'WEST', 2, 1, true)",
            "INSERT INTO regions (id, code, name, level, zone, parent_id, province_id, is_listed) VALUES (4, '532923', '祥云县', 'COUNTY', 'WEST', 2, 1, false)",
        ] {
            db.execute_unprepared(sql).await.expect(sql);
        }
        Migrator::up(&db, None).await.expect("the migration");
        let listings = entity::supervision_listing::Entity::find()
            .all(&db)
            .await
            .expect("listings");
        assert_eq!(listings.len(), 1);
        let l = &listings[0];
        assert_eq!(
            (l.region_id, l.year, l.listed_on, l.supervising_province_id, l.lifted_on),
            (3, 2020, d(2020, 1, 1), 1, None)
        );
        assert_eq!(l.combat_plan_status, entity::enums::CombatPlanStatus::None);
        // The flag is gone: the listing is the one source.
        let gone = db
            .execute_unprepared("SELECT is_listed FROM regions")
            .await;
        assert!(gone.is_err());
        db.close().await.ok();
    });
}
