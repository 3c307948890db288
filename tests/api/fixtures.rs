//! A small, hand-built world with known answers: two east–west pairings and one designated pairing.
#![allow(clippy::inconsistent_digit_grouping)] // amounts are written in fen: yuan_fen
use chrono::{NaiveDate, TimeZone, Utc};
use entity::enums::*;
use entity::*;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, NotSet, Set};

#[allow(dead_code)]
pub struct World {
    pub shanghai: i64,
    pub yunnan: i64,
    pub dali: i64,
    pub xiangyun: i64,
    pub nujiang: i64,
    pub lushui: i64,
    pub guangxi: i64,
    pub du_an: i64,
    pub sh_gov: i64,
    pub gd_gov: i64,
    pub moe: i64,
    pub sh_yn: i64,
    pub gd_gx: i64,
    pub moe_lushui: i64,
    pub letter_2019: i64,
    pub letter_2020: i64,
    pub transfers: Vec<i64>,
    pub dispatches: Vec<i64>,
    pub project: i64,
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

pub async fn region(
    db: &DatabaseConnection,
    code: &str,
    name: &str,
    level: RegionLevel,
    zone: Zone,
    parent: Option<i64>,
    province: Option<i64>,
    listed: bool,
) -> i64 {
    let m = region::ActiveModel {
        id: NotSet,
        code: Set(code.into()),
        name: Set(name.into()),
        level: Set(level),
        zone: Set(zone),
        parent_id: Set(parent),
        province_id: Set(province),
        is_poor: Set(if level == RegionLevel::County {
            Some(listed)
        } else {
            None
        }),
        is_key_county: Set(None),
        is_contiguous_area: Set(None),
        exit_year: Set(if listed { Some(2020) } else { None }),
    }
    .insert(db)
    .await
    .expect("insert region");
    if province.is_none() && level == RegionLevel::Province {
        let mut am: region::ActiveModel = m.clone().into();
        am.province_id = Set(Some(m.id));
        am.update(db).await.expect("set province");
    }
    if listed {
        // Listed for 2020 by its own province, as the migration lists the flagged regions.
        supervision_listing::ActiveModel {
            id: NotSet,
            region_id: Set(m.id),
            year: Set(2020),
            listed_on: Set(d(2020, 1, 1)),
            lifted_on: Set(None),
            supervising_province_id: Set(province.unwrap_or(m.id)),
            combat_plan_reference: Set(None),
            combat_plan_status: Set(CombatPlanStatus::None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(db)
        .await
        .expect("insert listing");
    }
    m.id
}

async fn org(
    db: &DatabaseConnection,
    code: &str,
    name: &str,
    kind: OrganizationKind,
    region_id: Option<i64>,
) -> i64 {
    organization::ActiveModel {
        id: NotSet,
        code: Set(code.into()),
        name: Set(name.into()),
        short_name: Set(None),
        kind: Set(kind),
        region_id: Set(region_id),
    }
    .insert(db)
    .await
    .expect("insert org")
    .id
}

async fn pairing(db: &DatabaseConnection, program: Program, helper: i64, recipient: i64) -> i64 {
    pairing_agreement::ActiveModel {
        id: NotSet,
        program: Set(program),
        helper_id: Set(helper),
        recipient_id: Set(recipient),
        start_year: Set(2016),
        end_year: Set(Some(2020)),
        status: Set(PairingStatus::Active),
        document_ref: Set(Some("厅字〔2016〕".into())),
    }
    .insert(db)
    .await
    .expect("insert pairing")
    .id
}

pub async fn letter(
    db: &DatabaseConnection,
    pairing_id: i64,
    year: i32,
    status: LetterStatus,
    targets: &[(Indicator, i64)],
) -> i64 {
    let now = Utc
        .with_ymd_and_hms(year, 1, 15, 8, 0, 0)
        .single()
        .expect("time");
    let l = responsibility_letter::ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing_id),
        year: Set(year),
        status: Set(status),
        version: Set(1),
        submitted_at: Set((status != LetterStatus::Draft).then_some(now)),
        submitted_by: Set((status != LetterStatus::Draft).then(|| "helper".to_string())),
        signed_at: Set((status == LetterStatus::Signed).then_some(now)),
        signed_by: Set((status == LetterStatus::Signed).then(|| "admin".to_string())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .expect("insert letter");
    for (indicator, target) in targets {
        commitment::ActiveModel {
            id: NotSet,
            letter_id: Set(l.id),
            indicator: Set(*indicator),
            target: Set(*target),
        }
        .insert(db)
        .await
        .expect("insert commitment");
    }
    l.id
}

#[allow(clippy::too_many_arguments)]
pub async fn transfer(
    db: &DatabaseConnection,
    reference: &str,
    pairing_id: i64,
    helper: i64,
    recipient: i64,
    province: i64,
    category: FundCategory,
    amount_fen: i64,
    status: TransferStatus,
    year: i32,
    allocated_on: Option<NaiveDate>,
    received_on: Option<NaiveDate>,
    publicized_on: Option<NaiveDate>,
    project: Option<i64>,
) -> i64 {
    let row = fund_transfer::ActiveModel {
        id: NotSet,
        reference_no: Set(reference.into()),
        pairing_id: Set(pairing_id),
        helper_id: Set(helper),
        recipient_id: Set(recipient),
        recipient_province_id: Set(province),
        project_id: Set(project),
        category: Set(category),
        amount_fen: Set(amount_fen),
        currency: Set("CNY".into()),
        status: Set(status),
        year: Set(year),
        planned_on: Set(Some(d(year, 1, 1))),
        allocated_on: Set(allocated_on),
        received_on: Set(received_on),
        publicized_on: Set(publicized_on),
        purpose: Set(Some("产业扶贫".into())),
        idempotency_key: Set(None),
        request_hash: Set(None),
        created_at: Set(Utc::now()),
        // Not set: the column is absent before its migration (tests that migrate step by step).
        received_amount_fen: NotSet,
    };
    // Returns the id only: the row's other columns may not exist yet (migration tests).
    fund_transfer::Entity::insert(row)
        .exec(db)
        .await
        .expect("insert transfer")
        .last_insert_id
}

#[allow(clippy::too_many_arguments)]
pub async fn dispatch(
    db: &DatabaseConnection,
    pairing_id: i64,
    helper: i64,
    recipient: i64,
    province: i64,
    name: &str,
    category: PersonnelCategory,
    year: i32,
    status: DispatchStatus,
) -> i64 {
    personnel_dispatch::ActiveModel {
        id: NotSet,
        pairing_id: Set(pairing_id),
        helper_id: Set(helper),
        recipient_id: Set(recipient),
        recipient_province_id: Set(province),
        person_name: Set(name.into()),
        category: Set(category),
        specialty: Set(Some("teacher".into())),
        post: Set("副县长".into()),
        status: Set(status),
        year: Set(year),
        start_on: Set(d(year, 3, 1)),
        end_on: Set(Some(d(year + 2, 2, 28))),
        arrived_on: Set((status != DispatchStatus::Dispatched).then(|| d(year, 3, 2))),
        returned_on: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .expect("insert dispatch")
    .id
}

pub async fn world(db: &DatabaseConnection) -> World {
    use RegionLevel::*;
    let shanghai = region(
        db,
        "310000",
        "上海市",
        Province,
        Zone::East,
        None,
        None,
        false,
    )
    .await;
    let _huangpu = region(
        db,
        "310101",
        "黄浦区",
        County,
        Zone::East,
        Some(shanghai),
        Some(shanghai),
        false,
    )
    .await;
    let guangdong = region(
        db,
        "440000",
        "广东省",
        Province,
        Zone::East,
        None,
        None,
        false,
    )
    .await;
    let yunnan = region(
        db,
        "530000",
        "云南省",
        Province,
        Zone::West,
        None,
        None,
        false,
    )
    .await;
    let dali = region(
        db,
        "532900",
        "大理白族自治州",
        Prefecture,
        Zone::West,
        Some(yunnan),
        Some(yunnan),
        false,
    )
    .await;
    let xiangyun = region(
        db,
        "532923",
        "祥云县",
        County,
        Zone::West,
        Some(dali),
        Some(yunnan),
        false,
    )
    .await;
    let nujiang = region(
        db,
        "533300",
        "怒江傈僳族自治州",
        Prefecture,
        Zone::West,
        Some(yunnan),
        Some(yunnan),
        false,
    )
    .await;
    let lushui = region(
        db,
        "533301",
        "泸水市",
        County,
        Zone::West,
        Some(nujiang),
        Some(yunnan),
        true,
    )
    .await;
    let guangxi = region(
        db,
        "450000",
        "广西壮族自治区",
        Province,
        Zone::West,
        None,
        None,
        false,
    )
    .await;
    let hechi = region(
        db,
        "451200",
        "河池市",
        Prefecture,
        Zone::West,
        Some(guangxi),
        Some(guangxi),
        false,
    )
    .await;
    let du_an = region(
        db,
        "451228",
        "都安瑶族自治县",
        County,
        Zone::West,
        Some(hechi),
        Some(guangxi),
        true,
    )
    .await;

    let sh_gov = org(
        db,
        "310000",
        "上海市人民政府",
        OrganizationKind::ProvincialGovernment,
        Some(shanghai),
    )
    .await;
    let gd_gov = org(
        db,
        "440000",
        "广东省人民政府",
        OrganizationKind::ProvincialGovernment,
        Some(guangdong),
    )
    .await;
    let moe = org(db, "CU-MOE", "教育部", OrganizationKind::CentralUnit, None).await;
    let _lushui_gov = org(
        db,
        "533301",
        "泸水市人民政府",
        OrganizationKind::CountyGovernment,
        Some(lushui),
    )
    .await;

    let sh_yn = pairing(db, Program::EastWest, sh_gov, yunnan).await;
    let gd_gx = pairing(db, Program::EastWest, gd_gov, guangxi).await;
    let moe_lushui = pairing(db, Program::DesignatedAssistance, moe, lushui).await;

    use Indicator::*;
    let letter_2019 = letter(
        db,
        sh_yn,
        2019,
        LetterStatus::Signed,
        &[
            (FiscalAidFunds, 100_000_000_00),
            (SocialAidFunds, 20_000_000_00),
            (CadresDispatched, 3),
            (TechniciansDispatched, 2),
            (LaborTransferred, 1000),
            (EnterprisesInvested, 5),
            (ConsumptionAssistance, 5_000_000_00),
        ],
    )
    .await;
    let letter_2020 = letter(
        db,
        sh_yn,
        2020,
        LetterStatus::Draft,
        &[(FiscalAidFunds, 120_000_000_00)],
    )
    .await;
    letter(
        db,
        moe_lushui,
        2019,
        LetterStatus::Signed,
        &[(DirectInvestment, 10_000_000_00)],
    )
    .await;

    let project = project::ActiveModel {
        id: NotSet,
        county_id: Set(xiangyun),
        name: Set("祥云县蔬菜大棚".into()),
        sector: Set("industry".into()),
        budget_fen: Set(50_000_000_00),
        beneficiaries: Set(Some(1200)),
        status: Set(ProjectStatus::InProgress),
        created_at: Set(Utc::now()),
        // Publicized, so that anonymous callers see it.
        publicized_on: Set(Some(d(2019, 5, 1))),
        ..Default::default()
    };
    // The id only: the row's other columns may not exist yet (migration tests).
    let project = project::Entity::insert(project)
        .exec(db)
        .await
        .expect("insert project")
        .last_insert_id;

    use TransferStatus::*;
    let mut transfers = Vec::new();
    for i in 0..12i64 {
        let (recipient, status) = if i % 2 == 0 {
            (xiangyun, Received)
        } else {
            (lushui, Allocated)
        };
        let received = (status == Received).then(|| d(2019, 4, 1));
        let publicized = (i % 3 != 2).then(|| d(2019, 5, 1));
        let id = transfer(
            db,
            &format!("SH-YN-2019-{i:03}"),
            sh_yn,
            sh_gov,
            recipient,
            yunnan,
            FundCategory::FiscalAid,
            1_000_000_00 + i * 100,
            status,
            2019,
            Some(d(2019, 3, 1)),
            received,
            publicized,
            (i % 4 == 0).then_some(project),
        )
        .await;
        transfers.push(id);
    }
    transfers.push(
        transfer(
            db,
            "GD-GX-2019-001",
            gd_gx,
            gd_gov,
            du_an,
            guangxi,
            FundCategory::SocialAid,
            5_000_000_00,
            Planned,
            2019,
            None,
            None,
            None,
            None,
        )
        .await,
    );
    transfers.push(
        transfer(
            db,
            "MOE-LS-2019-001",
            moe_lushui,
            moe,
            lushui,
            yunnan,
            FundCategory::DirectInvestment,
            2_500_000_00,
            Received,
            2019,
            Some(d(2019, 3, 30)),
            Some(d(2019, 4, 2)),
            Some(d(2019, 5, 2)),
            None,
        )
        .await,
    );

    let dispatches = vec![
        dispatch(
            db,
            sh_yn,
            sh_gov,
            xiangyun,
            yunnan,
            "张三",
            PersonnelCategory::PartyGovernmentCadre,
            2019,
            DispatchStatus::InPost,
        )
        .await,
        dispatch(
            db,
            sh_yn,
            sh_gov,
            lushui,
            yunnan,
            "李四",
            PersonnelCategory::ProfessionalTechnician,
            2019,
            DispatchStatus::Dispatched,
        )
        .await,
        dispatch(
            db,
            moe_lushui,
            moe,
            lushui,
            yunnan,
            "王五",
            PersonnelCategory::PartyGovernmentCadre,
            2019,
            DispatchStatus::InPost,
        )
        .await,
    ];

    progress_report::ActiveModel {
        id: NotSet,
        pairing_id: Set(sh_yn),
        indicator: Set(LaborTransferred),
        year: Set(2019),
        quarter: Set(1),
        value: Set(300),
        reported_by: Set("test-helper".into()),
        reported_at: Set(Utc::now()),
        verified_by: Set(Some("test-recipient".into())),
        verified_at: Set(Some(Utc::now())),
    }
    .insert(db)
    .await
    .expect("insert report");

    World {
        shanghai,
        yunnan,
        dali,
        xiangyun,
        nujiang,
        lushui,
        guangxi,
        du_an,
        sh_gov,
        gd_gov,
        moe,
        sh_yn,
        gd_gx,
        moe_lushui,
        letter_2019,
        letter_2020,
        transfers,
        dispatches,
        project,
    }
}
