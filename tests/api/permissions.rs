//! The permission matrix: every mutation × every caller (anonymous and each role) × a record of
//! the caller's own scope and one of someone else's, generated from the one table below.
//! "Own" means: for HELPER (Shanghai, org 310000) the Shanghai–Yunnan pairing's records; for
//! RECIPIENT (Yunnan, region 530000) records addressed within Yunnan. "Other" means the
//! Guangdong–Guangxi equivalents. Each call gets a freshly made target, so allowed calls succeed
//! and denied ones are denied for who they are, not for the state of the record.
use crate::fixtures::{World, d, dispatch, letter, transfer, world};
use crate::harness::{TestApp, error_code, token};
use crate::writes::gid;
use entity::enums::FindingStatus;
use entity::enums::{
    DispatchStatus, FundCategory, Indicator, LetterStatus, PairingStatus, PersonnelCategory,
    Program, ProjectStatus, TransferStatus,
};
use pairing_api::auth::Role;
use sea_orm::{ActiveModelTrait, EntityTrait, NotSet, Set};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Viewer,
    Auditor,
    Helper,
    Recipient,
    Admin,
    Inspector,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Viewer,
    Caller::Auditor,
    Caller::Helper,
    Caller::Recipient,
    Caller::Admin,
    Caller::Inspector,
];

/// Who may: the helper on its own records, the recipient on records in its region, the admin on any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum May {
    HelperOwn,
    RecipientOwn,
    Admin,
    /// An INSPECTOR, on any record (its work is national).
    Inspector,
}

/// The record each call acts on (made fresh for every call).
#[derive(Debug, Clone, Copy)]
enum Target {
    NewLetter,
    DraftLetter,
    SubmittedLetter,
    NewTransfer,
    PlannedTransfer,
    AllocatedTransfer,
    NewDispatch,
    Dispatched,
    InPost,
    NewReport,
    UnverifiedReport,
    CorrectReport,
    NewPairing,
    ActivePairing,
    NewRegion,
    ExistingRegion,
    NewOrganization,
    ExistingOrganization,
    NewProject,
    ExistingProject,
    PublicizeTransfer,
    PublicizeProject,
    NewExpenditure,
    NewFinding,
    OpenFinding,
    RectifyingFinding,
    RectifiedFinding,
    NewDeal,
    RecordedDeal,
    NewPlacement,
    RecordedPlacement,
    DisputableTransfer,
    OpenDispute,
    NewListing,
    ExistingListing,
}

use May::*;
use Target::*;

/// mutation, its input type, the record it acts on, who may.
const MATRIX: &[(&str, &str, Target, &[May])] = &[
    (
        "submitResponsibilityLetter",
        "SubmitResponsibilityLetterInput",
        NewLetter,
        &[HelperOwn],
    ),
    (
        "amendResponsibilityLetter",
        "AmendResponsibilityLetterInput",
        DraftLetter,
        &[HelperOwn],
    ),
    (
        "withdrawResponsibilityLetter",
        "WithdrawResponsibilityLetterInput",
        SubmittedLetter,
        &[HelperOwn],
    ),
    (
        "signResponsibilityLetter",
        "SignResponsibilityLetterInput",
        SubmittedLetter,
        &[Admin],
    ),
    (
        "returnResponsibilityLetter",
        "ReturnResponsibilityLetterInput",
        SubmittedLetter,
        &[Admin],
    ),
    (
        "recordFundTransfer",
        "RecordFundTransferInput",
        NewTransfer,
        &[HelperOwn],
    ),
    (
        "allocateFundTransfer",
        "AllocateFundTransferInput",
        PlannedTransfer,
        &[HelperOwn],
    ),
    (
        "confirmFundReceipt",
        "ConfirmFundReceiptInput",
        AllocatedTransfer,
        &[RecipientOwn],
    ),
    (
        "cancelFundTransfer",
        "CancelFundTransferInput",
        PlannedTransfer,
        &[HelperOwn, Admin],
    ),
    (
        "dispatchPersonnel",
        "DispatchPersonnelInput",
        NewDispatch,
        &[HelperOwn],
    ),
    (
        "confirmPersonnelArrival",
        "ConfirmPersonnelArrivalInput",
        Dispatched,
        &[RecipientOwn],
    ),
    (
        "recordPersonnelReturn",
        "RecordPersonnelReturnInput",
        InPost,
        &[HelperOwn],
    ),
    (
        "reportProgress",
        "ReportProgressInput",
        NewReport,
        &[HelperOwn],
    ),
    (
        "verifyProgressReport",
        "VerifyProgressReportInput",
        UnverifiedReport,
        &[RecipientOwn],
    ),
    (
        "correctProgressReport",
        "CorrectProgressReportInput",
        CorrectReport,
        &[HelperOwn],
    ),
    (
        "createPairingAgreement",
        "CreatePairingAgreementInput",
        NewPairing,
        &[Admin],
    ),
    (
        "endPairingAgreement",
        "EndPairingAgreementInput",
        ActivePairing,
        &[Admin],
    ),
    ("createRegion", "CreateRegionInput", NewRegion, &[Admin]),
    (
        "updateRegion",
        "UpdateRegionInput",
        ExistingRegion,
        &[Admin],
    ),
    (
        "createOrganization",
        "CreateOrganizationInput",
        NewOrganization,
        &[Admin],
    ),
    (
        "updateOrganization",
        "UpdateOrganizationInput",
        ExistingOrganization,
        &[Admin],
    ),
    (
        "createProject",
        "CreateProjectInput",
        NewProject,
        &[RecipientOwn],
    ),
    (
        "updateProject",
        "UpdateProjectInput",
        ExistingProject,
        &[RecipientOwn],
    ),
    (
        "publicizeFundTransfer",
        "PublicizeFundTransferInput",
        PublicizeTransfer,
        &[RecipientOwn, Admin],
    ),
    (
        "publicizeProject",
        "PublicizeProjectInput",
        PublicizeProject,
        &[RecipientOwn, Admin],
    ),
    (
        "recordExpenditure",
        "RecordExpenditureInput",
        NewExpenditure,
        &[RecipientOwn],
    ),
    (
        "openInspectionFinding",
        "OpenInspectionFindingInput",
        NewFinding,
        &[Inspector, Admin],
    ),
    (
        "startRectification",
        "StartRectificationInput",
        OpenFinding,
        &[HelperOwn],
    ),
    (
        "reportRectification",
        "ReportRectificationInput",
        RectifyingFinding,
        &[HelperOwn],
    ),
    (
        "closeInspectionFinding",
        "CloseInspectionFindingInput",
        RectifiedFinding,
        &[Inspector, Admin],
    ),
    (
        "reopenInspectionFinding",
        "ReopenInspectionFindingInput",
        RectifiedFinding,
        &[Inspector, Admin],
    ),
    (
        "recordProduceDeal",
        "RecordProduceDealInput",
        NewDeal,
        &[HelperOwn],
    ),
    (
        "confirmProduceDeal",
        "ConfirmProduceDealInput",
        RecordedDeal,
        &[RecipientOwn],
    ),
    (
        "disputeProduceDeal",
        "DisputeProduceDealInput",
        RecordedDeal,
        &[RecipientOwn],
    ),
    (
        "recordLaborPlacement",
        "RecordLaborPlacementInput",
        NewPlacement,
        &[HelperOwn],
    ),
    (
        "confirmLaborPlacement",
        "ConfirmLaborPlacementInput",
        RecordedPlacement,
        &[RecipientOwn],
    ),
    (
        "openDispute",
        "OpenDisputeInput",
        DisputableTransfer,
        &[RecipientOwn, Admin],
    ),
    (
        "answerDispute",
        "AnswerDisputeInput",
        OpenDispute,
        &[HelperOwn, Admin],
    ),
    (
        "resolveDispute",
        "ResolveDisputeInput",
        OpenDispute,
        &[RecipientOwn, Admin],
    ),
    (
        "listForSupervision",
        "ListForSupervisionInput",
        NewListing,
        &[Admin],
    ),
    (
        "liftSupervisionListing",
        "LiftSupervisionListingInput",
        ExistingListing,
        &[Admin],
    ),
    // The supervising province's government (RECIPIENT of Yunnan for a Yunnan listing) too.
    (
        "updateCombatPlan",
        "UpdateCombatPlanInput",
        ExistingListing,
        &[RecipientOwn, Admin],
    ),
];

fn expected(caller: Caller, own: bool, may: &[May]) -> &'static str {
    let allowed = match caller {
        Caller::Anonymous => return "UNAUTHENTICATED",
        Caller::Helper => own && may.contains(&HelperOwn),
        Caller::Recipient => own && may.contains(&RecipientOwn),
        Caller::Admin => may.contains(&Admin),
        Caller::Inspector => may.contains(&Inspector),
        Caller::Viewer | Caller::Auditor => false,
    };
    if allowed { "OK" } else { "FORBIDDEN" }
}

fn token_of(caller: Caller) -> Option<String> {
    match caller {
        Caller::Anonymous => None,
        Caller::Viewer => Some(token(Role::Viewer, None, None)),
        Caller::Auditor => Some(token(Role::Auditor, None, None)),
        Caller::Helper => Some(token(Role::Helper, Some("310000"), None)),
        Caller::Recipient => Some(token(Role::Recipient, None, Some("530000"))),
        Caller::Admin => Some(token(Role::Admin, None, None)),
        Caller::Inspector => Some(token(Role::Inspector, None, None)),
    }
}

/// Builds the fresh target of one call and returns the mutation's variables.
struct Maker<'a> {
    app: &'a TestApp,
    w: &'a World,
    n: i32,
}

impl Maker<'_> {
    fn next(&mut self) -> i32 {
        self.n += 1;
        self.n
    }

    /// A pairing of its own, so that per-pairing uniqueness (letters, reports) never collides.
    async fn pairing(&mut self, own: bool) -> (i64, i32) {
        let year = 2000 + self.next();
        let (helper, recipient) = if own {
            (self.w.sh_gov, self.w.yunnan)
        } else {
            (self.w.gd_gov, self.w.guangxi)
        };
        let p = entity::pairing_agreement::ActiveModel {
            id: NotSet,
            program: Set(Program::EastWest),
            helper_id: Set(helper),
            recipient_id: Set(recipient),
            start_year: Set(year),
            end_year: Set(None),
            status: Set(PairingStatus::Active),
            document_ref: Set(None),
        }
        .insert(&self.app.db)
        .await
        .expect("insert pairing");
        (p.id, year)
    }

    async fn transfer(&mut self, own: bool, status: TransferStatus) -> i64 {
        let n = self.next();
        let w = self.w;
        let (pairing, helper, recipient, province) = if own {
            (w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan)
        } else {
            (w.gd_gx, w.gd_gov, w.du_an, w.guangxi)
        };
        let allocated = (status == TransferStatus::Allocated).then(|| d(2019, 3, 1));
        transfer(
            &self.app.db,
            &format!("MATRIX-{n}"),
            pairing,
            helper,
            recipient,
            province,
            FundCategory::FiscalAid,
            100_000,
            status,
            2019,
            allocated,
            None,
            None,
            None,
        )
        .await
    }

    /// A project of its own in the pairing's county (Xiangyun, or Du'an for the other side).
    async fn project(&mut self, own: bool) -> i64 {
        let county = if own { self.w.xiangyun } else { self.w.du_an };
        entity::project::ActiveModel {
            id: NotSet,
            county_id: Set(county),
            name: Set("项目".into()),
            sector: Set("industry".into()),
            budget_fen: Set(100),
            beneficiaries: Set(None),
            status: Set(ProjectStatus::Planned),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .expect("insert project")
        .id
    }

    /// A transfer received on 1 April 2019 (100,000 fen).
    async fn received_transfer(&mut self, own: bool) -> i64 {
        let n = self.next();
        let w = self.w;
        let (pairing, helper, recipient, province) = if own {
            (w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan)
        } else {
            (w.gd_gx, w.gd_gov, w.du_an, w.guangxi)
        };
        transfer(
            &self.app.db,
            &format!("MATRIX-R-{n}"),
            pairing,
            helper,
            recipient,
            province,
            FundCategory::FiscalAid,
            100_000,
            TransferStatus::Received,
            2019,
            Some(d(2019, 3, 1)),
            Some(d(2019, 4, 1)),
            None,
            None,
        )
        .await
    }

    async fn dispatch(&mut self, own: bool, status: DispatchStatus) -> i64 {
        let w = self.w;
        let (pairing, helper, recipient, province) = if own {
            (w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan)
        } else {
            (w.gd_gx, w.gd_gov, w.du_an, w.guangxi)
        };
        dispatch(
            &self.app.db,
            pairing,
            helper,
            recipient,
            province,
            "某某",
            PersonnelCategory::PartyGovernmentCadre,
            2019,
            status,
        )
        .await
    }

    async fn vars(&mut self, target: Target, own: bool) -> Value {
        let w = self.w;
        let commitments = json!([{ "indicator": "FISCAL_AID_FUNDS", "target": "1000.00" }]);
        let input = match target {
            NewLetter => {
                let (p, year) = self.pairing(own).await;
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "year": year, "commitments": commitments })
            }
            DraftLetter | SubmittedLetter => {
                let (p, year) = self.pairing(own).await;
                let status = if matches!(target, DraftLetter) {
                    LetterStatus::Draft
                } else {
                    LetterStatus::Submitted
                };
                let id = letter(
                    &self.app.db,
                    p,
                    year,
                    status,
                    &[(Indicator::FiscalAidFunds, 1)],
                )
                .await;
                json!({ "responsibilityLetterId": gid("ResponsibilityLetter", id), "version": 1,
                        "commitments": commitments, "rationale": "matrix", "reason": "matrix" })
            }
            NewTransfer => {
                let n = self.next();
                let (p, code) = if own {
                    (w.sh_yn, "532923")
                } else {
                    (w.gd_gx, "451228")
                };
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "referenceNo": format!("NEW-{n}"),
                        "recipientCode": code, "category": "FISCAL_AID", "amount": "10.00", "year": 2019 })
            }
            PlannedTransfer => {
                let id = self.transfer(own, TransferStatus::Planned).await;
                json!({ "fundTransferId": gid("FundTransfer", id), "allocatedOn": "2019-03-01" })
            }
            AllocatedTransfer => {
                let id = self.transfer(own, TransferStatus::Allocated).await;
                json!({ "fundTransferId": gid("FundTransfer", id), "receivedOn": "2019-04-01" })
            }
            NewDispatch => {
                let (p, code) = if own {
                    (w.sh_yn, "532923")
                } else {
                    (w.gd_gx, "451228")
                };
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "recipientCode": code,
                        "personName": "某某", "category": "PARTY_GOVERNMENT_CADRE", "post": "副县长",
                        "startOn": "2019-05-01" })
            }
            Dispatched => {
                let id = self.dispatch(own, DispatchStatus::Dispatched).await;
                json!({ "personnelDispatchId": gid("PersonnelDispatch", id), "arrivedOn": "2019-03-05" })
            }
            InPost => {
                let id = self.dispatch(own, DispatchStatus::InPost).await;
                json!({ "personnelDispatchId": gid("PersonnelDispatch", id), "returnedOn": "2020-05-01" })
            }
            NewReport => {
                let (p, year) = self.pairing(own).await;
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "indicator": "ENTERPRISES_INVESTED",
                        "year": year, "quarter": 1, "value": "10" })
            }
            UnverifiedReport | CorrectReport => {
                let (p, year) = self.pairing(own).await;
                let r = entity::progress_report::ActiveModel {
                    id: NotSet,
                    pairing_id: Set(p),
                    indicator: Set(Indicator::EnterprisesInvested),
                    year: Set(year),
                    quarter: Set(1),
                    value: Set(10),
                    reported_by: Set("someone".into()),
                    reported_at: Set(chrono::Utc::now()),
                    verified_by: Set(None),
                    verified_at: Set(None),
                }
                .insert(&self.app.db)
                .await
                .expect("insert report");
                if matches!(target, CorrectReport) {
                    json!({ "progressReportId": gid("ProgressReport", r.id), "version": 1,
                            "value": "12", "note": "figure corrected" })
                } else {
                    json!({ "progressReportId": gid("ProgressReport", r.id) })
                }
            }
            NewPairing => {
                let n = self.next();
                let (h, r) = if own {
                    ("310000", "530000")
                } else {
                    ("440000", "450000")
                };
                json!({ "program": "EAST_WEST", "helperCode": h, "recipientCode": r, "startYear": 2000 + n })
            }
            ActivePairing => {
                let (p, year) = self.pairing(own).await;
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "endYear": year + 1 })
            }
            NewRegion => {
                let n = self.next();
                let (province, code) = if own {
                    ("530000", format!("53{:02}00", 50 + n))
                } else {
                    ("450000", format!("45{:02}00", 50 + n))
                };
                json!({ "code": code, "name": format!("地区{n}"), "level": "PREFECTURE", "parentCode": province })
            }
            ExistingRegion => {
                let code = if own { "532923" } else { "451228" };
                json!({ "code": code, "listedForSupervision": true })
            }
            NewOrganization => {
                let n = self.next();
                json!({ "code": format!("ORG-{n}"), "name": format!("企业{n}"), "kind": "ENTERPRISE" })
            }
            ExistingOrganization => {
                let n = self.next();
                let code = if own { "310000" } else { "440000" };
                json!({ "code": code, "shortName": format!("简称{n}") })
            }
            NewProject => {
                let code = if own { "532923" } else { "451228" };
                json!({ "countyCode": code, "name": "项目", "sector": "industry", "budget": "100.00" })
            }
            ExistingProject => {
                let county = if own { w.xiangyun } else { w.du_an };
                let p = entity::project::ActiveModel {
                    id: NotSet,
                    county_id: Set(county),
                    name: Set("项目".into()),
                    sector: Set("industry".into()),
                    budget_fen: Set(100),
                    beneficiaries: Set(None),
                    status: Set(ProjectStatus::Planned),
                    created_at: Set(chrono::Utc::now()),
                    ..Default::default()
                }
                .insert(&self.app.db)
                .await
                .expect("insert project");
                json!({ "projectId": gid("Project", p.id), "name": "改名" })
            }
            PublicizeTransfer => {
                let id = self.received_transfer(own).await;
                json!({ "fundTransferId": gid("FundTransfer", id), "periodStart": "2019-04-10",
                        "periodEnd": "2019-04-20", "channel": "COUNTY_WEBSITE", "documentRef": "公示〔2019〕1号" })
            }
            PublicizeProject => {
                let id = self.project(own).await;
                json!({ "projectId": gid("Project", id), "periodStart": "2019-04-10",
                        "periodEnd": "2019-04-20", "channel": "VILLAGE_NOTICE_BOARD", "documentRef": "公示〔2019〕2号" })
            }
            NewExpenditure => {
                let transfer = self.received_transfer(own).await;
                let project = self.project(own).await;
                json!({ "projectId": gid("Project", project), "fundTransferId": gid("FundTransfer", transfer),
                        "amount": "100.00", "spentOn": "2019-05-01", "purpose": "大棚钢材", "voucherRef": "记-2019-05-001" })
            }
            NewFinding => {
                let code = if own { "532923" } else { "451228" };
                json!({ "source": "SPOT_CHECK", "severity": "MINOR", "description": "matrix",
                        "regionCode": code, "foundOn": "2020-01-01", "dueOn": "2020-06-30" })
            }
            OpenFinding | RectifyingFinding | RectifiedFinding => {
                let status = match target {
                    OpenFinding => FindingStatus::Open,
                    RectifyingFinding => FindingStatus::Rectifying,
                    _ => FindingStatus::Rectified,
                };
                let (county, province, org) = if own {
                    (w.xiangyun, w.yunnan, w.sh_gov)
                } else {
                    (w.du_an, w.guangxi, w.gd_gov)
                };
                let id =
                    crate::delivery::finding(&self.app.db, county, province, Some(org), status)
                        .await;
                json!({ "inspectionFindingId": gid("InspectionFinding", id), "plan": "matrix",
                        "evidence": "matrix", "rectifiedOn": "2020-03-01", "closedOn": "2020-04-01",
                        "reason": "matrix" })
            }
            NewDeal => {
                let (p, code) = if own {
                    (w.sh_yn, "532923")
                } else {
                    (w.gd_gx, "451228")
                };
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "originCountyCode": code,
                        "buyer": "食堂", "product": "茶叶", "kind": "PURCHASED", "amount": "10.00",
                        "dealOn": "2019-06-01" })
            }
            RecordedDeal => {
                let (pairing, helper, county, province) = if own {
                    (w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan)
                } else {
                    (w.gd_gx, w.gd_gov, w.du_an, w.guangxi)
                };
                let id =
                    crate::delivery::deal(&self.app.db, pairing, helper, county, province).await;
                json!({ "produceDealId": gid("ProduceDeal", id), "confirmedOn": "2019-07-01",
                        "reason": "matrix" })
            }
            NewPlacement => {
                let (p, code) = if own {
                    (w.sh_yn, "532923")
                } else {
                    (w.gd_gx, "451228")
                };
                json!({ "pairingAgreementId": gid("PairingAgreement", p), "originCountyCode": code,
                        "destinationCode": "310000", "employer": "工厂", "people": 10,
                        "startOn": "2019-03-01", "months": 12 })
            }
            RecordedPlacement => {
                let (pairing, helper, county, province) = if own {
                    (w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan)
                } else {
                    (w.gd_gx, w.gd_gov, w.du_an, w.guangxi)
                };
                let id = crate::delivery::placement(
                    &self.app.db,
                    pairing,
                    helper,
                    county,
                    province,
                    w.shanghai,
                )
                .await;
                json!({ "laborPlacementId": gid("LaborPlacement", id), "confirmedOn": "2019-04-01" })
            }
            DisputableTransfer => {
                let id = self.transfer(own, TransferStatus::Allocated).await;
                json!({ "subjectId": gid("FundTransfer", id), "reason": "matrix" })
            }
            OpenDispute => {
                let id = self.transfer(own, TransferStatus::Allocated).await;
                let (pairing, helper, region, province) = if own {
                    (w.sh_yn, w.sh_gov, w.xiangyun, w.yunnan)
                } else {
                    (w.gd_gx, w.gd_gov, w.du_an, w.guangxi)
                };
                let dispute = crate::delivery::dispute(
                    &self.app.db,
                    entity::enums::DisputeSubjectKind::FundTransfer,
                    id,
                    [pairing, helper, region, province],
                    2019,
                )
                .await;
                json!({ "disputeId": gid("Dispute", dispute), "answer": "matrix", "resolution": "matrix" })
            }
            NewListing => {
                // A year of its own, so that (region, year) never collides.
                let year = 2000 + self.next();
                let code = if own { "532923" } else { "451228" };
                json!({ "regionCode": code, "year": year, "listedOn": format!("{year}-03-01") })
            }
            ExistingListing => {
                let year = 2000 + self.next();
                let (region, province) = if own {
                    (w.xiangyun, w.yunnan)
                } else {
                    (w.du_an, w.guangxi)
                };
                let l = entity::supervision_listing::ActiveModel {
                    id: NotSet,
                    region_id: Set(region),
                    year: Set(year),
                    listed_on: Set(d(year, 1, 1)),
                    lifted_on: Set(None),
                    supervising_province_id: Set(province),
                    combat_plan_reference: Set(None),
                    combat_plan_status: Set(entity::enums::CombatPlanStatus::None),
                    created_at: Set(chrono::Utc::now()),
                    updated_at: Set(chrono::Utc::now()),
                }
                .insert(&self.app.db)
                .await
                .expect("insert listing");
                json!({ "supervisionListingId": gid("SupervisionListing", l.id),
                        "liftedOn": "2020-12-31", "combatPlanStatus": "DRAFTED",
                        "combatPlanReference": "matrix" })
            }
        };
        json!({ "input": input })
    }
}

/// Targets serve several mutations: keep only the fields the mutation's input type declares.
async fn fit(app: &TestApp, input_type: &str, mut vars: Value) -> Value {
    let body = app
        .gql(
            "query($t: String!) { __type(name: $t) { inputFields { name } } }",
            json!({ "t": input_type }),
        )
        .await;
    let fields: Vec<String> = body["data"]["__type"]["inputFields"]
        .as_array()
        .expect("input fields")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .collect();
    if let Some(input) = vars["input"].as_object_mut() {
        input.retain(|k, _| fields.contains(k));
    }
    vars
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_by_every_caller_on_own_and_other_records() {
    // The table covers every mutation the schema has.
    let probe = TestApp::spawn().await;
    let body = probe
        .gql(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let mut in_schema: Vec<String> = body["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutation fields")
        .iter()
        .filter_map(|f| f["name"].as_str().map(str::to_string))
        .collect();
    in_schema.sort();
    let mut in_table: Vec<String> = MATRIX.iter().map(|r| r.0.to_string()).collect();
    in_table.sort();
    assert_eq!(in_schema, in_table, "the matrix lists every mutation");
    drop(probe);

    let mut mismatches = Vec::new();
    let mut calls = 0;
    for (mutation, input_type, target, may) in MATRIX {
        let app = TestApp::spawn().await;
        let w = world(&app.db).await;
        let mut maker = Maker {
            app: &app,
            w: &w,
            n: 0,
        };
        let query = format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ __typename }} }}"
        );
        let mut successes = 0;
        for caller in CALLERS {
            for own in [true, false] {
                let vars = fit(&app, input_type, maker.vars(*target, own).await).await;
                let body = app.gql_as(token_of(caller).as_deref(), &query, vars).await;
                let got = if body.get("errors").is_none() {
                    successes += 1;
                    "OK"
                } else {
                    error_code(&body).unwrap_or("?")
                };
                let want = expected(caller, own, may);
                calls += 1;
                if got != want {
                    mismatches.push(format!(
                        "{mutation} by {caller:?} on {} record: want {want}, got {got}: {body}",
                        if own { "own" } else { "other's" }
                    ));
                }
            }
        }
        // Every successful write left its audit events (a write that changes two records, such
        // as a dispute that marks its deal, leaves one per record), failed ones none.
        let events = entity::audit_event::Entity::find()
            .all(&app.db)
            .await
            .expect("audit events");
        let audited = events
            .iter()
            .map(|e| e.server_request_id.clone())
            .collect::<std::collections::HashSet<_>>()
            .len();
        if events.iter().any(|e| e.server_request_id.is_none()) || audited as u64 != successes {
            mismatches.push(format!(
                "{mutation}: {successes} successful writes but audit events of {audited} requests"
            ));
        }
    }
    assert_eq!(calls, MATRIX.len() * CALLERS.len() * 2);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
