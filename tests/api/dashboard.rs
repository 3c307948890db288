//! The dashboard in a real browser (headless Chromium through chromedriver, Debian packages
//! `chromium` and `chromium-driver`) against a real server with the demo data: the charts and
//! tables show the API's figures, the county view works, the token stays in the tab, and the page
//! loads nothing from anywhere but the server.
//!
//! With `PAIRING_SCREENSHOTS=<folder>` set, the test also saves the README's screenshots there.
use crate::harness::{TestApp, token};
use fantoccini::{Client, ClientBuilder, Locator};
use pairing_api::auth::Role;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver of this test's own, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // Owned by the guard at once: it is killed and waited for on every path.
        let driver = Driver {
            child: Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver runs (Debian package chromium-driver)"),
            port,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not listen on {port}");
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--window-size=1400,1900"] }),
        );
        let http = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(http)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a browser session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const WAIT: Duration = Duration::from_secs(60);

async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect(script)
}

/// Saves a screenshot with `section` scrolled to the top (`None`: the page's top).
async fn screenshot(c: &Client, name: &str, section: Option<&str>) {
    let Ok(folder) = std::env::var("PAIRING_SCREENSHOTS") else {
        return;
    };
    let scroll = match section {
        Some(id) => format!("document.getElementById('{id}').scrollIntoView();"),
        None => "window.scrollTo(0, 0);".to_string(),
    };
    js(c, &scroll).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    std::fs::write(std::path::Path::new(&folder).join(name), png).expect("write screenshot");
}

/// Yuan as a decimal string to fen.
fn fen(decimal: &str) -> i64 {
    let (yuan, cents) = decimal.split_once('.').unwrap_or((decimal, "0"));
    let cents = format!("{cents:0<2}");
    yuan.parse::<i64>().expect("yuan") * 100 + cents[..2].parse::<i64>().expect("fen")
}

/// Numbers as floats, so that a bar's `27` equals the API's `"27"`.
fn floats(v: Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(a) => Value::Array(a.into_iter().map(floats).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, floats(v))).collect()),
        v => v,
    }
}

fn number(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => json!(s.parse::<f64>().expect("a decimal")),
        None => Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_shows_the_api_figures_in_a_browser() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let driver = Driver::start().await;
    let c = driver.browser().await;

    // Open on another helper and year, then pick Shanghai and 2020.
    c.goto(&app.url("/#org:CU-MOE/2019")).await.expect("open");
    wait_for(&c, "body[data-loaded='org:CU-MOE/2019']").await;
    c.find(Locator::Css("#subject"))
        .await
        .expect("subject")
        .select_by_value("org:310000")
        .await
        .expect("select Shanghai");
    wait_for(&c, "body[data-loaded='org:310000/2019']").await;
    screenshot(&c, "dashboard-helper-2019.png", None).await;
    c.find(Locator::Css("#year"))
        .await
        .expect("year")
        .select_by_value("2020")
        .await
        .expect("select 2020");
    wait_for(&c, "body[data-loaded='org:310000/2020']").await;

    let api = app
        .gql(
            r#"{ organization(code: "310000") { progress(year: 2020) {
                   indicators { indicator unit target achieved completionRate } } }
                 fundFlows(filter: { years: [2020], helperCode: "310000" }, groupBy: [QUARTER]) { quarter amount }
                 counties: fundFlows(filter: { years: [2020], helperCode: "310000" }, groupBy: [RECIPIENT_COUNTY]) {
                   recipientCounty { code } amount count } }"#,
            json!({}),
        )
        .await;
    assert!(api.get("errors").is_none(), "{api}");
    let shown: Vec<&Value> = api["data"]["organization"]["progress"]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .filter(|i| !i["target"].is_null() || fen(i["achieved"].as_str().expect("achieved")) != 0)
        .collect();
    assert!(shown.len() >= 3, "{api}");

    // The indicator charts: one bar per indicator and series, the API's target and achievement.
    let page = js(
        &c,
        "const opt = id => echarts.getInstanceByDom(document.getElementById(id)).getOption();
         const bars = id => opt(id).series.map(s => s.data);
         return {
           money: bars('chart-money'), counts: bars('chart-counts'), quarters: bars('chart-quarters')[0],
           table: [...document.querySelectorAll('#indicators tbody tr')].map(tr => ({
             indicator: tr.dataset.indicator, target: tr.cells[2].dataset.value,
             achieved: tr.cells[3].dataset.value, achievedText: tr.cells[3].textContent })),
           counties: [...document.querySelectorAll('#counties tbody tr')].map(tr =>
             [tr.dataset.code, tr.cells[2].dataset.value, tr.cells[3].dataset.value]) };",
    )
    .await;
    let page = floats(page);
    for (chart, yuan) in [("money", true), ("counts", false)] {
        let rows: Vec<&&Value> = shown
            .iter()
            .filter(|i| (i["unit"] == "YUAN") == yuan)
            .collect();
        let targets: Vec<Value> = rows.iter().map(|i| number(&i["target"])).collect();
        let achieved: Vec<Value> = rows.iter().map(|i| number(&i["achieved"])).collect();
        assert_eq!(page[chart], json!([targets, achieved]), "{chart}: {page}");
    }
    // The table: the API's exact decimals, shown with thousands separators.
    let table = page["table"].as_array().expect("table");
    assert_eq!(table.len(), shown.len());
    for (row, i) in table.iter().zip(&shown) {
        assert_eq!(row["indicator"], i["indicator"]);
        assert_eq!(
            row["target"],
            json!(i["target"].as_str().unwrap_or_default())
        );
        assert_eq!(row["achieved"], i["achieved"]);
        assert_eq!(
            row["achievedText"].as_str().expect("text").replace(',', ""),
            i["achieved"].as_str().expect("achieved")
        );
    }
    // Money by quarter.
    let quarters: Vec<Value> = (1..=4)
        .map(|q| {
            api["data"]["fundFlows"]
                .as_array()
                .expect("flows")
                .iter()
                .find(|g| g["quarter"] == json!(q))
                .map_or(json!(0.0), |g| number(&g["amount"]))
        })
        .collect();
    assert_eq!(page["quarters"], json!(quarters));
    // Counties reached, largest first.
    let mut counties: Vec<Value> = api["data"]["counties"]
        .as_array()
        .expect("counties")
        .iter()
        .map(|g| {
            json!([
                g["recipientCounty"]["code"],
                g["amount"],
                g["count"].to_string()
            ])
        })
        .collect();
    counties.sort_by_key(|g| {
        (
            -fen(g[1].as_str().unwrap_or_default()),
            g[0].as_str().unwrap_or_default().to_string(),
        )
    });
    assert!(counties.len() > 3);
    assert_eq!(page["counties"], json!(counties));
    screenshot(&c, "dashboard-helper.png", None).await;

    // The county view: pick a county that has pairings of its own.
    let county = app
        .gql(
            r#"{ pairingAgreements(first: 1, filter: { helperCode: "CU-MOE", year: 2020 }) {
                   nodes { recipient { code } } } }"#,
            json!({}),
        )
        .await;
    let code = county["data"]["pairingAgreements"]["nodes"][0]["recipient"]["code"]
        .as_str()
        .expect("a county of the Ministry of Education")
        .to_string();
    js(
        &c,
        &format!("return window.dashboard.openCounty('{code}');"),
    )
    .await;
    wait_for(&c, &format!("body[data-county='{code}/2020']")).await;
    let view = js(
        &c,
        "const cells = {};
         document.querySelectorAll('#county-summary tbody td').forEach(td => cells[td.dataset.key] = td.dataset.value);
         return { cells, commitments: document.querySelectorAll('#county-commitments tbody tr').length,
                  hidden: document.getElementById('county-view').hidden };",
    )
    .await;
    let fields: Vec<String> = app
        .gql(
            r#"{ __type(name: "RegionAssistance") { fields { name } } }"#,
            json!({}),
        )
        .await["data"]["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let optional: Vec<&str> = ["publicized", "spent"]
        .into_iter()
        .filter(|f| fields.iter().any(|x| x == f))
        .collect();
    let region = app
        .gql(
            &format!(
                r#"{{ region(code: "{code}") {{ assistance(year: 2020) {{ allocated received {} }}
                     pairings(first: 20) {{ nodes {{ letters(year: 2020) {{ commitments {{ unit target }} }} }} }} }} }}"#,
                optional.join(" ")
            ),
            json!({}),
        )
        .await;
    assert!(region.get("errors").is_none(), "{region}");
    let r = &region["data"]["region"];
    let commitments: Vec<&Value> = r["pairings"]["nodes"]
        .as_array()
        .expect("pairings")
        .iter()
        .flat_map(|p| p["letters"].as_array().expect("letters"))
        .flat_map(|l| l["commitments"].as_array().expect("commitments"))
        .collect();
    let promised: i64 = commitments
        .iter()
        .filter(|c| c["unit"] == "YUAN")
        .map(|c| fen(c["target"].as_str().expect("target")))
        .sum();
    assert_eq!(view["hidden"], json!(false));
    assert_eq!(view["commitments"], json!(commitments.len()));
    let mut expected = json!({
        "promised": format!("{}.{:02}", promised / 100, promised % 100),
        "allocated": r["assistance"]["allocated"],
        "received": r["assistance"]["received"],
    });
    for f in &optional {
        expected[*f] = r["assistance"][*f].clone();
    }
    assert_eq!(view["cells"], expected, "{view}");
    screenshot(&c, "dashboard-county.png", Some("counties")).await;

    // English labels on request.
    c.find(Locator::Css("#lang"))
        .await
        .expect("toggle")
        .click()
        .await
        .expect("click");
    let title = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert!(title.starts_with("East–west cooperation"), "{title}");
    screenshot(&c, "dashboard-english.png", None).await;
    c.find(Locator::Css("#lang"))
        .await
        .expect("toggle")
        .click()
        .await
        .expect("click");

    // Signing in: the token stays in this tab; the findings for Shanghai appear.
    let admin = token(Role::Admin, None, None);
    c.find(Locator::Css("#token"))
        .await
        .expect("token field")
        .send_keys(&admin)
        .await
        .expect("type the token");
    js(&c, "document.body.dataset.loaded = '';").await;
    c.find(Locator::Css("#signin-button"))
        .await
        .expect("sign in")
        .click()
        .await
        .expect("click");
    wait_for(&c, "body[data-loaded='org:310000/2020']").await;
    let stored = js(
        &c,
        "return { session: sessionStorage.getItem('pairing.token'), local: localStorage.length,
                  cookies: document.cookie, note: document.getElementById('findings-note').textContent,
                  rows: document.querySelectorAll('#findings tbody tr').length };",
    )
    .await;
    assert_eq!(stored["session"], json!(admin));
    assert_eq!(stored["local"], json!(0));
    assert_eq!(stored["cookies"], json!(""));
    // Counted here over every finding of the year, page by page, not with the page's filter.
    let mut mine = 0;
    let mut after = serde_json::Value::Null;
    loop {
        let page = app
            .gql_as(
                Some(&admin),
                "query($after: String) { dataQualityFindings(year: 2020, first: 100, after: $after) {
                     nodes { pairingAgreement { helper { code } } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let list = &page["data"]["dataQualityFindings"];
        mine += list["nodes"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["pairingAgreement"]["helper"]["code"] == "310000")
            .count();
        if list["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = list["pageInfo"]["endCursor"].clone();
    }
    assert!(
        stored["note"]
            .as_str()
            .expect("note")
            .starts_with(&format!("{mine} ")),
        "{stored}"
    );
    assert_eq!(stored["rows"], json!(mine.min(100)));
    screenshot(&c, "dashboard-signed-in.png", Some("county-view")).await;

    // A recipient province: its money by quarter and its counties, from the same API.
    c.find(Locator::Css("#subject"))
        .await
        .expect("subject")
        .select_by_value("region:530000")
        .await
        .expect("select Yunnan");
    wait_for(&c, "body[data-loaded='region:530000/2020']").await;
    let yunnan = app
        .gql(
            r#"{ fundFlows(filter: { years: [2020], provinceCode: "530000" }, groupBy: [QUARTER]) { quarter amount }
                 counties: fundFlows(filter: { years: [2020], provinceCode: "530000" }, groupBy: [RECIPIENT_COUNTY]) { amount } }"#,
            json!({}),
        )
        .await;
    let quarters: Vec<Value> = (1..=4)
        .map(|q| {
            yunnan["data"]["fundFlows"]
                .as_array()
                .expect("flows")
                .iter()
                .find(|g| g["quarter"] == json!(q))
                .map_or(json!(0.0), |g| number(&g["amount"]))
        })
        .collect();
    let page = floats(
        js(
            &c,
            "return { quarters: echarts.getInstanceByDom(document.getElementById('chart-quarters')).getOption().series[0].data,
                      counties: document.querySelectorAll('#counties tbody tr').length };",
        )
        .await,
    );
    assert_eq!(page["quarters"], json!(quarters));
    assert_eq!(
        page["counties"],
        json!(
            yunnan["data"]["counties"]
                .as_array()
                .expect("counties")
                .len() as f64
        )
    );

    // Nothing was loaded from anywhere but the server.
    let resources = js(
        &c,
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);",
    )
    .await;
    let resources = resources.as_array().expect("resources");
    assert!(
        resources.iter().any(|r| r
            .as_str()
            .is_some_and(|r| r.ends_with("/assets/vendor/echarts.min.js"))),
        "{resources:?}"
    );
    for r in resources {
        let r = r.as_str().expect("a URL");
        assert!(
            r.starts_with(&format!("{}/", app.base)),
            "{r} left the server"
        );
    }

    // GraphiQL, embedded too.
    c.goto(&app.url("/graphql")).await.expect("graphiql");
    wait_for(&c, ".graphiql-container").await;
    screenshot(&c, "graphiql.png", None).await;
    let resources = js(
        &c,
        "return performance.getEntriesByType('resource').map(e => e.name);",
    )
    .await;
    for r in resources.as_array().expect("resources") {
        let r = r.as_str().expect("a URL");
        assert!(
            r.starts_with(&format!("{}/", app.base)),
            "{r} left the server"
        );
    }
    c.close().await.expect("close the browser");
}
