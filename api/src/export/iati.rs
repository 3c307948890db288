//! `/export/iati/activities.xml?helper=CODE&year=YYYY`: a helper's publicized transfers of a year
//! as IATI 2.03 activities, one per pairing: the helper as reporting and funding organization,
//! the recipient as implementing organization and location, each transfer a disbursement.
//! Checked against the official schemas in `data/iati/` by the test suite.
use super::params::Params;
use super::{caller, download, refused, yuan};
use crate::auth::Identity;
use crate::batch::Loaders;
use crate::batch::related_rows;
use crate::connection::{MAX_PAGE, PageArgs};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::http::Shared;
use crate::pairing::types::{PairingAgreementFilter, PairingAgreementOrder};
use crate::transfer::service::{Listed, Projection};
use crate::transfer::{FundTransferFilter, FundTransferOrder};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use entity::enums::{OrganizationKind, PairingStatus, Program, TransferStatus};
use entity::row::Columns;
use entity::{organization, pairing_agreement, region};
use std::collections::VecDeque;
use std::fmt::Write;
use std::time::Duration;

/// Text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The organization's identifier in the export. GB/T 2260 codes and the platform's organization
/// codes are not registered IATI organization prefixes; `CN-PAIRING-` marks them as the
/// platform's own.
fn org_ref(code: &str) -> String {
    format!("CN-PAIRING-{code}")
}

/// IATI OrganisationType: governments (10), enterprises (70), national NGOs (22).
fn org_type(kind: OrganizationKind) -> &'static str {
    match kind {
        OrganizationKind::Enterprise => "70",
        OrganizationKind::SocialOrganization => "22",
        _ => "10",
    }
}

/// The DAC 3-digit sector (vocabulary 2) of a project's sector, where one fits.
fn dac_sector(sector: &str) -> Option<(&'static str, &'static str)> {
    Some(match sector {
        "education" => ("110", "Education"),
        "health" => ("120", "Health"),
        "water" => ("140", "Water Supply & Sanitation"),
        "housing" => ("160", "Other Social Infrastructure & Services"),
        "infrastructure" => ("210", "Transport & Storage"),
        "industry" => ("311", "Agriculture"),
        _ => return None,
    })
}

fn program_zh(p: Program) -> &'static str {
    match p {
        Program::EastWest => "东西部扶贫协作",
        Program::DesignatedAssistance => "定点帮扶",
        // Other programs (more may be added) under the general name.
        _ => "对口帮扶",
    }
}

fn program_en(p: Program) -> &'static str {
    match p {
        Program::EastWest => "East–west cooperation",
        Program::DesignatedAssistance => "Designated assistance",
        _ => "Paired assistance",
    }
}

/// When a transfer was paid out, if it was (ALLOCATED or RECEIVED): its disbursement date.
fn disbursed_on(m: &entity::fund_transfer::Model) -> Option<chrono::NaiveDate> {
    let paid = matches!(
        m.status,
        TransferStatus::Allocated | TransferStatus::Received
    );
    m.allocated_on.filter(|_| paid)
}

/// Where the export stands: pairings still to write, and the one being written.
struct Activities {
    db: Db,
    identity: Identity,
    helper: organization::Model,
    year: i32,
    pairings: VecDeque<pairing_agreement::Model>,
    pairings_after: Option<String>,
    pairings_done: bool,
    /// The pairing whose activity is open, and the cursor of its next transfers page.
    open: Option<(pairing_agreement::Model, String)>,
    finished: bool,
}

impl Activities {
    /// The next pairing of the helper in force in the year, through the pairing read path.
    async fn next_pairing(&mut self) -> AppResult<Option<pairing_agreement::Model>> {
        if self.pairings.is_empty() && !self.pairings_done {
            let loaders = Loaders::new(&self.db, Duration::ZERO);
            let filter = PairingAgreementFilter {
                helper_code: Some(self.helper.code.clone()),
                year: Some(self.year),
                ..Default::default()
            };
            let args = PageArgs::new(Some(MAX_PAGE), self.pairings_after.take(), None, None);
            let projection = crate::pairing::service::Projection {
                helper: false,
                recipient: false,
                total: false,
            };
            let page = crate::pairing::service::page(
                &self.db,
                &loaders,
                filter,
                PairingAgreementOrder::default(),
                args,
                &projection,
            )
            .await?;
            self.pairings_done = !page.has_next_page;
            self.pairings_after = page.rows.last().map(|(c, _)| c.encode());
            self.pairings.extend(page.rows.into_iter().map(|(_, m)| m));
        }
        Ok(self.pairings.pop_front())
    }

    /// A page of a pairing's publicized transfers of the year, through the transfer read path
    /// (with the caller's visibility), and the cursor after it if there is more.
    async fn transfers(
        &self,
        pairing_id: i64,
        after: Option<String>,
    ) -> AppResult<(Vec<Listed>, Option<String>)> {
        let loaders = Loaders::new(&self.db, Duration::ZERO);
        let filter = FundTransferFilter {
            pairing_id: Some(pairing_id),
            year: Some(self.year),
            publicized_only: Some(true),
            ..Default::default()
        };
        let projection = Projection {
            columns: Columns::ALL,
            helper: None,
            recipient: Some(Columns::ALL),
            project: Some(Columns::ALL),
            pairing: false,
            total: false,
        };
        let page = crate::transfer::service::page(
            &self.db,
            &loaders,
            &self.identity,
            filter,
            FundTransferOrder::default(),
            PageArgs::new(Some(MAX_PAGE), after, None, None),
            &projection,
        )
        .await?;
        let next = match page.has_next_page {
            true => page.rows.last().map(|(c, _)| c.encode()),
            false => None,
        };
        Ok((page.rows.into_iter().map(|(_, l)| l).collect(), next))
    }

    /// The next piece of the document; `None` once it is complete.
    async fn next(mut self) -> AppResult<Option<(String, Self)>> {
        if self.finished {
            return Ok(None);
        }
        let mut out = String::new();
        if let Some((pairing, after)) = self.open.take() {
            let (rows, next) = self.transfers(pairing.id, Some(after)).await?;
            self.transactions(&mut out, &rows);
            match next {
                Some(after) => self.open = Some((pairing, after)),
                None => out.push_str("  </iati-activity>\n"),
            }
            return Ok(Some((out, self)));
        }
        // The next pairing with publicized transfers in the year opens an activity.
        while let Some(pairing) = self.next_pairing().await? {
            let (rows, next) = self.transfers(pairing.id, None).await?;
            if next.is_none() && !rows.iter().any(|t| disbursed_on(&t.row).is_some()) {
                continue;
            }
            self.activity_head(&mut out, &pairing).await?;
            self.transactions(&mut out, &rows);
            match next {
                Some(after) => self.open = Some((pairing, after)),
                None => out.push_str("  </iati-activity>\n"),
            }
            return Ok(Some((out, self)));
        }
        self.finished = true;
        Ok(Some(("</iati-activities>\n".to_string(), self)))
    }

    async fn activity_head(&self, out: &mut String, p: &pairing_agreement::Model) -> AppResult<()> {
        let loaders = Loaders::new(&self.db, Duration::ZERO);
        let regions =
            related_rows::<region::Entity>(&loaders, [p.recipient_id], Some(Columns::ALL), false)
                .await?;
        let recipient = regions
            .get(&p.recipient_id)
            .ok_or_else(|| AppError::not_found("Region", p.recipient_id))?;
        let h = &self.helper;
        let y = self.year;
        let (hn, rn) = (esc(&h.name), esc(&recipient.name));
        let reporting = esc(&org_ref(&h.code));
        let status = match p.status {
            PairingStatus::Active => "2",
            _ => "4",
        };
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            r#"  <iati-activity default-currency="CNY" xml:lang="zh">
    <iati-identifier>{reporting}-{pid}-{y}</iati-identifier>
    <reporting-org ref="{reporting}" type="{ty}"><narrative>{hn}</narrative></reporting-org>
    <title><narrative>{hn}{pz}{rn}（{y}年）</narrative><narrative xml:lang="en">{pe}: {hn} – {rn}, {y}</narrative></title>
    <description type="1"><narrative>{hn}{y}年对{rn}的帮扶资金拨付（已公示）。</narrative><narrative xml:lang="en">Funds disbursed by {hn} to {rn} in {y} whose use has been publicized.</narrative></description>
    <participating-org ref="{reporting}" role="1" type="{ty}"><narrative>{hn}</narrative></participating-org>
    <participating-org ref="{recipient_ref}" role="4" type="10"><narrative>{rn}</narrative></participating-org>
    <activity-status code="{status}"/>
    <activity-date type="1" iso-date="{y}-01-01"/>
    <activity-date type="3" iso-date="{y}-12-31"/>
    <recipient-country code="CN" percentage="100"/>
    <location ref="CN-GBT2260-{rc}"><location-reach code="1"/><name><narrative>{rn}</narrative></name></location>
"#,
            pid = p.id,
            ty = org_type(h.kind),
            pz = program_zh(p.program),
            pe = program_en(p.program),
            recipient_ref = esc(&format!("CN-GBT2260-{}", recipient.code)),
            rc = esc(&recipient.code),
        );
        Ok(())
    }

    /// Each transfer paid out (ALLOCATED or RECEIVED) as a disbursement dated by its allocation.
    fn transactions(&self, out: &mut String, rows: &[Listed]) {
        let helper_ref = esc(&org_ref(&self.helper.code));
        let helper_name = esc(&self.helper.name);
        for t in rows {
            let m = &t.row;
            let paid = matches!(
                m.status,
                TransferStatus::Allocated | TransferStatus::Received
            );
            let Some(date) = m.allocated_on.filter(|_| paid) else {
                continue;
            };
            let receiver = t
                .recipient
                .as_ref()
                .map(|r| esc(&r.name))
                .unwrap_or_default();
            let description = esc(m.purpose.as_deref().unwrap_or(m.category.as_str()));
            let _ = write!(
                out,
                r#"    <transaction ref="{r}">
      <transaction-type code="3"/>
      <transaction-date iso-date="{date}"/>
      <value value-date="{date}">{v}</value>
      <description><narrative>{description}</narrative></description>
      <provider-org ref="{helper_ref}"><narrative>{helper_name}</narrative></provider-org>
      <receiver-org><narrative>{receiver}</narrative></receiver-org>
"#,
                r = esc(&m.reference_no),
                v = yuan(m.amount_fen),
            );
            if let Some((code, name)) = t.project.as_ref().and_then(|p| dac_sector(&p.sector)) {
                let _ = writeln!(
                    out,
                    r#"      <sector vocabulary="2" code="{code}"><narrative xml:lang="en">{}</narrative></sector>"#,
                    esc(name)
                );
            }
            out.push_str("    </transaction>\n");
        }
    }
}

/// `GET /export/iati/activities.xml?helper=310000&year=2020`.
pub async fn activities(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    build(&shared, &req).await.unwrap_or_else(refused)
}

async fn build(shared: &Shared, req: &HttpRequest) -> AppResult<HttpResponse> {
    let identity = caller(shared, req)?;
    let mut params = Params::parse(req.query_string())?;
    let code = params
        .take("helper")?
        .ok_or_else(|| AppError::bad_input("helper", "required: the helper's organization code"))?;
    let year = params.year("year")?;
    params.finish(&["helper", "year"])?;
    let db = Db::pooled(&shared.db);
    let helper = crate::organization::service::by_code(&db, &code)
        .await?
        .ok_or_else(|| {
            AppError::bad_input("helper", format!("no organization has code `{code}`"))
        })?;
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <iati-activities version=\"2.03\" generated-datetime=\"{now}\">\n"
    );
    let state = Activities {
        db,
        identity,
        helper,
        year,
        pairings: VecDeque::new(),
        pairings_after: None,
        pairings_done: false,
        open: None,
        finished: false,
    };
    // The first activity is read before answering: a failing read is then an error status, and
    // a helper without publicized transfers in the year a 404 (the schema wants an activity).
    let (piece, state) = state
        .next()
        .await?
        .filter(|(_, state)| !state.finished)
        .ok_or_else(|| {
            AppError::not_found(
                "publicized transfers",
                format!("of helper {code} in {year}"),
            )
        })?;
    let (first, state) = (head + &piece, Some(state));
    let filename = format!(
        "iati-activities-{}-{year}.xml",
        code.replace(['"', '/', '\\'], "_")
    );
    Ok(download(
        "application/xml; charset=utf-8",
        &filename,
        Bytes::from(first),
        state,
        |state| async move {
            let Some(state) = state else { return Ok(None) };
            Ok(state
                .next()
                .await?
                .map(|(piece, state)| (Bytes::from(piece), Some(state))))
        },
    ))
}
