//! Opaque global ids and the Relay `Node` interface.
use crate::error::{AppError, AppResult};
use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Declares the kinds once: the enum, its tag (the GraphQL type's name) and the list of all.
macro_rules! node_kinds {
    ($($kind:ident),+ $(,)?) => {
        /// The kinds of object that have a global id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum NodeKind {
            $($kind,)+
        }

        impl NodeKind {
            const ALL: &[NodeKind] = &[$(NodeKind::$kind,)+];

            /// The GraphQL type's name, which is also the entity name the audit log records.
            pub const fn tag(&self) -> &'static str {
                match self {
                    $(NodeKind::$kind => stringify!($kind),)+
                }
            }
        }
    };
}

node_kinds!(
    Region,
    Organization,
    PairingAgreement,
    ResponsibilityLetter,
    FundTransfer,
    PersonnelDispatch,
    Project,
    ProgressReport,
    AuditEvent,
    Announcement,
    Expenditure,
    InspectionFinding,
    ProduceDeal,
    LaborPlacement,
    Dispute,
    SupervisionListing,
);

impl NodeKind {
    fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.tag() == tag)
    }
}

pub fn global_id(kind: NodeKind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.tag())))
}

/// Decodes a global id; `field` names the argument for the error.
pub fn parse_global_id(field: &str, id: &str) -> AppResult<(NodeKind, i64)> {
    let bad = || AppError::bad_input(field, format!("not a valid id: {id:?}"));
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (tag, num) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeKind::from_tag(tag).ok_or_else(bad)?;
    let num: i64 = num.parse().map_err(|_| bad())?;
    Ok((kind, num))
}

/// Decodes a global id that must be of one kind.
pub fn expect_global_id(field: &str, id: &str, kind: NodeKind) -> AppResult<i64> {
    let (k, n) = parse_global_id(field, id)?;
    if k != kind {
        return Err(AppError::bad_input(
            field,
            format!("expected the id of a {}", kind.tag()),
        ));
    }
    Ok(n)
}
