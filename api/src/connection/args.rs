//! Paging arguments as the client sends them, and their checks.
use super::*;

/// Sort direction.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Hash, Default, Debug)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// The largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;
/// The page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 20;

/// Relay paging arguments as the client sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    /// The selection reads no rows of the page (only its `totalCount`): the arguments are still
    /// checked, but no page is read.
    pub count_only: bool,
}

impl PageArgs {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        PageArgs {
            first,
            after,
            last,
            before,
            count_only: false,
        }
    }

    /// The same arguments for a selection that reads only the page's `totalCount`.
    pub fn count_only(self, count_only: bool) -> Self {
        PageArgs { count_only, ..self }
    }
}

/// Checks `first`/`last` and returns (limit, backwards); the limit is 0 when the page is counted
/// only.
pub fn page_size(args: &PageArgs) -> AppResult<(u64, bool)> {
    let (limit, backwards) = requested_size(args)?;
    Ok((if args.count_only { 0 } else { limit }, backwards))
}

fn requested_size(args: &PageArgs) -> AppResult<(u64, bool)> {
    match (args.first, args.last) {
        (Some(_), Some(_)) => Err(AppError::bad_input(
            "last",
            "give either `first` or `last`, not both",
        )),
        (Some(n), None) => Ok((check_size("first", n)?, false)),
        (None, Some(n)) => Ok((check_size("last", n)?, true)),
        // Only `before`: the default page ends at the cursor.
        (None, None) => Ok((
            DEFAULT_PAGE as u64,
            args.before.is_some() && args.after.is_none(),
        )),
    }
}

pub(super) fn check_size(field: &str, n: i32) -> AppResult<u64> {
    if !(0..=MAX_PAGE).contains(&n) {
        return Err(AppError::bad_input(
            field,
            format!("must be between 0 and {MAX_PAGE}"),
        ));
    }
    Ok(n as u64)
}
