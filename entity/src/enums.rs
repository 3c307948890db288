//! Enumerations stored as short upper-case strings (portable across SQLite and PostgreSQL).
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        pub enum $name {
            $(#[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }
        impl $name {
            /// The value as stored in the database.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $value,)+ }
            }
            /// Every stored value, for CHECK constraints.
            pub fn all_values() -> &'static [&'static str] {
                &[$($value),+]
            }
        }
        impl $crate::row::Placeholder for $name {
            fn placeholder() -> Self {
                [$(Self::$variant),+][0]
            }
        }
        impl $name {
            /// The value stored as these bytes.
            fn from_stored(stored: &[u8]) -> Result<Self, sea_orm::DbErr> {
                $(if stored == $value.as_bytes() {
                    return Ok(Self::$variant);
                })+
                Err(sea_orm::DbErr::Type(format!(
                    "unexpected value {:?} for {}",
                    String::from_utf8_lossy(stored),
                    stringify!($name)
                )))
            }
        }
        impl $crate::row::Col for $name {
            fn col(row: &sea_orm::QueryResult, index: usize, checked: bool) -> Result<Self, sea_orm::DbErr> {
                $crate::row::text_col(row, index, checked, Self::from_stored)
            }
        }
        impl $crate::row::Col for Option<$name> {
            fn col(row: &sea_orm::QueryResult, index: usize, checked: bool) -> Result<Self, sea_orm::DbErr> {
                <Option<String> as $crate::row::Col>::col(row, index, checked)?
                    .map(|stored| $name::from_stored(stored.as_bytes()))
                    .transpose()
            }
        }
    };
}

string_enum!(RegionLevel { Province = "PROVINCE", Prefecture = "PREFECTURE", County = "COUNTY", Township = "TOWNSHIP", Village = "VILLAGE" });
string_enum!(Zone { East = "EAST", Central = "CENTRAL", West = "WEST" });
string_enum!(OrganizationKind {
    ProvincialGovernment = "PROVINCIAL_GOVERNMENT",
    CityGovernment = "CITY_GOVERNMENT",
    CountyGovernment = "COUNTY_GOVERNMENT",
    CentralUnit = "CENTRAL_UNIT",
    Enterprise = "ENTERPRISE",
    SocialOrganization = "SOCIAL_ORGANIZATION",
});
string_enum!(Program {
    EastWest = "EAST_WEST",
    DesignatedAssistance = "DESIGNATED_ASSISTANCE",
    CountyToCounty = "COUNTY_TO_COUNTY",
    EnterpriseVillage = "ENTERPRISE_VILLAGE",
});
string_enum!(PairingStatus { Active = "ACTIVE", Ended = "ENDED" });
string_enum!(LetterStatus { Draft = "DRAFT", Submitted = "SUBMITTED", Signed = "SIGNED", Returned = "RETURNED", Withdrawn = "WITHDRAWN" });
string_enum!(Indicator {
    FiscalAidFunds = "FISCAL_AID_FUNDS",
    SocialAidFunds = "SOCIAL_AID_FUNDS",
    CadresDispatched = "CADRES_DISPATCHED",
    TechniciansDispatched = "TECHNICIANS_DISPATCHED",
    LaborTransferred = "LABOR_TRANSFERRED",
    EnterprisesInvested = "ENTERPRISES_INVESTED",
    ConsumptionAssistance = "CONSUMPTION_ASSISTANCE",
    DirectInvestment = "DIRECT_INVESTMENT",
    AttractedFunds = "ATTRACTED_FUNDS",
    GrassrootsCadresTrained = "GRASSROOTS_CADRES_TRAINED",
    TechniciansTrained = "TECHNICIANS_TRAINED",
    ProducePurchased = "PRODUCE_PURCHASED",
    ProduceSalesHelped = "PRODUCE_SALES_HELPED",
    CadresTrained = "CADRES_TRAINED",
});
string_enum!(IndicatorUnit { Yuan = "YUAN", Persons = "PERSONS", Enterprises = "ENTERPRISES" });
string_enum!(FundCategory {
    FiscalAid = "FISCAL_AID",
    SocialAid = "SOCIAL_AID",
    DirectInvestment = "DIRECT_INVESTMENT",
    AttractedInvestment = "ATTRACTED_INVESTMENT",
});
string_enum!(TransferStatus { Planned = "PLANNED", Allocated = "ALLOCATED", Received = "RECEIVED", Cancelled = "CANCELLED" });
string_enum!(PersonnelCategory { PartyGovernmentCadre = "PARTY_GOVERNMENT_CADRE", ProfessionalTechnician = "PROFESSIONAL_TECHNICIAN" });
string_enum!(DispatchStatus { Dispatched = "DISPATCHED", InPost = "IN_POST", Returned = "RETURNED" });
string_enum!(ProjectStatus { Planned = "PLANNED", InProgress = "IN_PROGRESS", Completed = "COMPLETED", Cancelled = "CANCELLED" });
string_enum!(FindingSource { GeneralSurvey = "GENERAL_SURVEY", SpotCheck = "SPOT_CHECK", Audit = "AUDIT", Complaint = "COMPLAINT" });
string_enum!(FindingSeverity { Minor = "MINOR", Serious = "SERIOUS", Critical = "CRITICAL" });
string_enum!(FindingStatus { Open = "OPEN", Rectifying = "RECTIFYING", Rectified = "RECTIFIED", Closed = "CLOSED", Reopened = "REOPENED" });
string_enum!(DealKind { Purchased = "PURCHASED", SalesHelped = "SALES_HELPED" });
string_enum!(DealStatus { Recorded = "RECORDED", Confirmed = "CONFIRMED", Disputed = "DISPUTED" });
string_enum!(DisputeSubjectKind { FundTransfer = "FUND_TRANSFER", PersonnelDispatch = "PERSONNEL_DISPATCH", ProduceDeal = "PRODUCE_DEAL", LaborPlacement = "LABOR_PLACEMENT" });
string_enum!(DisputeStatus { Open = "OPEN", Answered = "ANSWERED", Resolved = "RESOLVED" });
string_enum!(PlacementStatus { Recorded = "RECORDED", Confirmed = "CONFIRMED" });
string_enum!(CombatPlanStatus { None = "NONE", Drafted = "DRAFTED", Approved = "APPROVED", InProgress = "IN_PROGRESS", Completed = "COMPLETED" });
string_enum!(FindingRecordKind { FundTransfer = "FUND_TRANSFER", PersonnelDispatch = "PERSONNEL_DISPATCH", Project = "PROJECT" });

impl Indicator {
    /// The unit an indicator is counted in.
    pub fn unit(&self) -> IndicatorUnit {
        use Indicator::*;
        match self {
            FiscalAidFunds
            | SocialAidFunds
            | ConsumptionAssistance
            | DirectInvestment
            | AttractedFunds
            | ProducePurchased
            | ProduceSalesHelped => IndicatorUnit::Yuan,
            CadresDispatched
            | TechniciansDispatched
            | LaborTransferred
            | GrassrootsCadresTrained
            | TechniciansTrained
            | CadresTrained => IndicatorUnit::Persons,
            EnterprisesInvested => IndicatorUnit::Enterprises,
        }
    }

    /// The indicators every letter of this program commits to (its standard set; see
    /// [`Indicator::allowed_for_program`] for the optional ones).
    pub fn for_program(program: Program) -> &'static [Indicator] {
        use Indicator::*;
        match program {
            Program::EastWest | Program::CountyToCounty => &[
                FiscalAidFunds,
                SocialAidFunds,
                CadresDispatched,
                TechniciansDispatched,
                LaborTransferred,
                EnterprisesInvested,
                ConsumptionAssistance,
            ],
            Program::DesignatedAssistance | Program::EnterpriseVillage => &[
                DirectInvestment,
                AttractedFunds,
                GrassrootsCadresTrained,
                TechniciansTrained,
                ProducePurchased,
                ProduceSalesHelped,
            ],
        }
    }

    /// The indicators a letter of this program may commit to: its standard set, and for east–west
    /// (and county-to-county) letters cadres and technicians trained, for central units' letters
    /// cadres dispatched.
    pub fn allowed_for_program(program: Program) -> &'static [Indicator] {
        use Indicator::*;
        match program {
            Program::EastWest | Program::CountyToCounty => &[
                FiscalAidFunds,
                SocialAidFunds,
                CadresDispatched,
                TechniciansDispatched,
                LaborTransferred,
                EnterprisesInvested,
                ConsumptionAssistance,
                CadresTrained,
                TechniciansTrained,
            ],
            Program::DesignatedAssistance => &[
                DirectInvestment,
                AttractedFunds,
                GrassrootsCadresTrained,
                TechniciansTrained,
                ProducePurchased,
                ProduceSalesHelped,
                CadresDispatched,
            ],
            Program::EnterpriseVillage => Self::for_program(program),
        }
    }

    /// The kinds of confirmed produce deals whose amounts achieve this indicator (none: not a
    /// produce indicator). Consumption assistance counts every confirmed deal.
    pub fn deal_kinds(&self) -> &'static [DealKind] {
        match self {
            Indicator::ConsumptionAssistance => &[DealKind::Purchased, DealKind::SalesHelped],
            Indicator::ProducePurchased => &[DealKind::Purchased],
            Indicator::ProduceSalesHelped => &[DealKind::SalesHelped],
            _ => &[],
        }
    }

    /// Whether confirmed labour placements (their people) achieve this indicator.
    pub fn counts_placements(&self) -> bool {
        *self == Indicator::LaborTransferred
    }

    /// Whether the indicator is derived from records (transfers, dispatches, confirmed deals or
    /// placements) rather than reported in progress reports.
    pub fn is_derived(&self) -> bool {
        self.fund_category().is_some()
            || self.personnel_category().is_some()
            || !self.deal_kinds().is_empty()
            || self.counts_placements()
    }

    /// The fund category whose transfers achieve this indicator, if it is a fund indicator.
    pub fn fund_category(&self) -> Option<FundCategory> {
        match self {
            Indicator::FiscalAidFunds => Some(FundCategory::FiscalAid),
            Indicator::SocialAidFunds => Some(FundCategory::SocialAid),
            Indicator::DirectInvestment => Some(FundCategory::DirectInvestment),
            Indicator::AttractedFunds => Some(FundCategory::AttractedInvestment),
            _ => None,
        }
    }

    /// The personnel category whose dispatches achieve this indicator, if it is a dispatch indicator.
    pub fn personnel_category(&self) -> Option<PersonnelCategory> {
        match self {
            Indicator::CadresDispatched => Some(PersonnelCategory::PartyGovernmentCadre),
            Indicator::TechniciansDispatched => Some(PersonnelCategory::ProfessionalTechnician),
            _ => None,
        }
    }

    /// Values are stored as integers in the unit's smallest step: fen for yuan, whole counts otherwise.
    pub fn scale(&self) -> u32 {
        match self.unit() {
            IndicatorUnit::Yuan => 2,
            _ => 0,
        }
    }
}

string_enum!(PublicityChannel {
    CountyWebsite = "COUNTY_WEBSITE",
    TownshipNoticeBoard = "TOWNSHIP_NOTICE_BOARD",
    VillageNoticeBoard = "VILLAGE_NOTICE_BOARD",
    Other = "OTHER"
});
