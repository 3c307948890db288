//! Every derived spending figure against a recomputation from the raw rows, and a fixed number
//! of statements however long the page.
use super::*;
use crate::fixtures::world;
use crate::harness::TestApp;
use sea_orm::EntityTrait;
use std::collections::HashMap;

fn fen(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("a decimal: {v}"));
    let (yuan, cents) = s.split_once('.').expect("two decimals");
    yuan.parse::<i64>().expect("yuan") * 100 + cents.parse::<i64>().expect("fen")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_figures_match_a_recomputation_from_the_rows() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let r = recipient_yn();
    // A second project in Xiangyun, and spending from several transfers on both.
    let body = app
        .gql_as(
            Some(&r),
            "mutation { createProject(input: { countyCode: \"532923\", name: \"饮水安全\",
               sector: \"infrastructure\", budget: \"500000.00\" }) { project { id } } }",
            json!({}),
        )
        .await;
    let second: i64 = {
        let id = ok(&body)["createProject"]["project"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let raw = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id)
            .expect("b64");
        String::from_utf8(raw)
            .expect("utf8")
            .split(':')
            .nth(1)
            .expect("n")
            .parse()
            .expect("int")
    };
    for (project, transfer, amount) in [
        (w.project, w.transfers[0], "123456.78"),
        (w.project, w.transfers[0], "0.01"),
        (second, w.transfers[0], "200000.00"),
        (second, w.transfers[2], "99999.99"),
        (w.project, w.transfers[4], "1000004.00"),
    ] {
        let body = spend(&app, project, transfer, amount, None).await;
        ok(&body);
    }

    // Raw rows.
    let mut transfers = entity::fund_transfer::Entity::find()
        .all(&app.db)
        .await
        .expect("transfers");
    // The lists are in id order.
    transfers.sort_by_key(|t| t.id);
    let spent_rows = entity::expenditure::Entity::find()
        .all(&app.db)
        .await
        .expect("expenditures");
    let regions = entity::region::Entity::find()
        .all(&app.db)
        .await
        .expect("regions");
    let mut by_transfer: HashMap<i64, i64> = HashMap::new();
    let mut by_project: HashMap<i64, i64> = HashMap::new();
    for e in &spent_rows {
        *by_transfer.entry(e.fund_transfer_id).or_default() += e.amount_fen;
        *by_project.entry(e.project_id).or_default() += e.amount_fen;
    }
    let mut funded: HashMap<i64, i64> = HashMap::new();
    for t in &transfers {
        if let Some(p) = t.project_id
            && matches!(
                t.status,
                entity::enums::TransferStatus::Allocated | entity::enums::TransferStatus::Received
            )
        {
            *funded.entry(p).or_default() += t.amount_fen;
        }
    }

    let body = app
        .gql_as(
            Some(&viewer()),
            "{ fundTransfers(first: 100) { nodes { id amount spent spendRate project { id fundedAmount spent } } }
               projects(first: 100) { nodes { id fundedAmount spent } } }",
            json!({}),
        )
        .await;
    let data = ok(&body);
    let nodes = data["fundTransfers"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), transfers.len());
    for (n, t) in nodes.iter().zip(&transfers) {
        assert_eq!(n["id"], gid("FundTransfer", t.id));
        let spent = by_transfer.get(&t.id).copied().unwrap_or(0);
        assert_eq!(fen(&n["spent"]), spent, "{n}");
        let rate = n["spendRate"].as_f64().expect("rate");
        assert!(
            (rate - spent as f64 / t.amount_fen as f64).abs() < 1e-12,
            "{n}"
        );
        if let Some(p) = t.project_id {
            assert_eq!(
                fen(&n["project"]["fundedAmount"]),
                funded.get(&p).copied().unwrap_or(0)
            );
            assert_eq!(
                fen(&n["project"]["spent"]),
                by_project.get(&p).copied().unwrap_or(0)
            );
        }
    }
    let mut projects = entity::project::Entity::find()
        .all(&app.db)
        .await
        .expect("projects");
    projects.sort_by_key(|p| p.id);
    let nodes = data["projects"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), projects.len());
    for (n, p) in nodes.iter().zip(&projects) {
        assert_eq!(
            fen(&n["fundedAmount"]),
            funded.get(&p.id).copied().unwrap_or(0),
            "{n}"
        );
        assert_eq!(
            fen(&n["spent"]),
            by_project.get(&p.id).copied().unwrap_or(0),
            "{n}"
        );
    }
    assert!(by_project.values().sum::<i64>() > 0);

    // A region's spending: expenditures from its (and its regions') counted transfers of the year.
    for code in ["530000", "532900", "532923", "533301", "450000"] {
        let region = regions.iter().find(|r| r.code == code).expect("region");
        let prefix = pairing_api::region_code::within_pattern(code).expect("pattern");
        let prefix = prefix.trim_end_matches('%');
        let within: Vec<i64> = regions
            .iter()
            .filter(|r| r.code.starts_with(prefix))
            .map(|r| r.id)
            .collect();
        let expected: i64 = spent_rows
            .iter()
            .filter(|e| {
                transfers.iter().any(|t| {
                    t.id == e.fund_transfer_id
                        && t.year == 2019
                        && within.contains(&t.recipient_id)
                        && matches!(
                            t.status,
                            entity::enums::TransferStatus::Allocated
                                | entity::enums::TransferStatus::Received
                        )
                })
            })
            .map(|e| e.amount_fen)
            .sum();
        let body = app
            .gql(
                "query($c: String!) { region(code: $c) { assistance(year: 2019) { spent received } } }",
                json!({ "c": code }),
            )
            .await;
        let a = &ok(&body)["region"]["assistance"];
        assert_eq!(
            fen(&a["spent"]),
            expected,
            "{code}: {body} ({})",
            region.name
        );
        assert!(fen(&a["spent"]) <= fen(&a["received"]), "{code}");
    }

    // A page of 3 and a page of all transfers cost the same statements.
    let q = |n: usize| {
        format!(
            "{{ fundTransfers(first: {n}) {{ nodes {{ spent spendRate project {{ fundedAmount spent targets {{ indicator }} }} }} }} }}"
        )
    };
    let mut counts = Vec::new();
    for n in [3, 100] {
        let before = app.sql_statements().await;
        let body = app.gql_as(Some(&viewer()), &q(n), json!({})).await;
        ok(&body);
        counts.push(app.sql_statements().await - before);
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
}
