//! GB/T 2260 region codes: a code's level, its segments, its parent, and which codes lie within it.
//!
//! Provinces, prefectures and counties have six digits, two per level, the levels a region does
//! not reach written `00`: `530000` (a province), `532500` (a prefecture in it), `532528` (a county
//! in that). A township appends three digits to the code of the county it lies in (or of a
//! prefecture without counties: `441900` has the township `441900003`), a village three more to
//! its township's: `532528100`, `532528100001`.
//!
//! So every code starts with the significant digits of each region above it: two for a province,
//! four for a prefecture, all six from a county down, all nine of a township. Only six-digit codes
//! end in absent levels; a township or village code is significant to its last digit. (Township
//! `152529200` is not the prefix `1525292`, which would take in its sibling `152529201`.)
//!
//! Every piece of code that reasons about what a code means goes through this module: the scope
//! checks of writes, who may read a person's name, "within a region" filters and the rollups.
use entity::enums::RegionLevel;
use std::fmt;

/// Why a text is not a region code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidCode {
    /// Not 6, 9 or 12 ASCII digits.
    Shape,
    /// The province digits are `00`.
    NoProvince,
    /// A six-digit code with county digits under prefecture digits `00` (`530001`).
    NoPrefecture,
    /// A township or village code that does not start with a prefecture's or a county's code.
    NotBelowPrefecture,
    /// A township's or village's own three digits are `000`.
    EmptySegment,
}

impl fmt::Display for InvalidCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidCode::Shape => "a region code is 6, 9 or 12 digits (GB/T 2260)",
            InvalidCode::NoProvince => {
                "a region code starts with its province's two digits, not 00"
            }
            InvalidCode::NoPrefecture => {
                "a county code has its prefecture's two digits in the middle, not 00"
            }
            InvalidCode::NotBelowPrefecture => {
                "a township or village code starts with the code of its county or prefecture"
            }
            InvalidCode::EmptySegment => "a township's or village's own three digits are not 000",
        })
    }
}

impl std::error::Error for InvalidCode {}

/// The digits of each level of a code; `None` for a level the code does not have (its `00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments<'a> {
    pub province: &'a str,
    pub prefecture: Option<&'a str>,
    pub county: Option<&'a str>,
    pub township: Option<&'a str>,
    pub village: Option<&'a str>,
}

/// A valid region code and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionCode<'a> {
    code: &'a str,
    level: RegionLevel,
}

impl<'a> RegionCode<'a> {
    pub fn parse(code: &'a str) -> Result<RegionCode<'a>, InvalidCode> {
        let b = code.as_bytes();
        if !matches!(b.len(), 6 | 9 | 12) || !b.iter().all(u8::is_ascii_digit) {
            return Err(InvalidCode::Shape);
        }
        let zero = |from: usize, to: usize| b[from..to].iter().all(|&d| d == b'0');
        if zero(0, 2) {
            return Err(InvalidCode::NoProvince);
        }
        let level = match b.len() {
            6 => match (zero(2, 4), zero(4, 6)) {
                (true, true) => RegionLevel::Province,
                (false, true) => RegionLevel::Prefecture,
                (false, false) => RegionLevel::County,
                (true, false) => return Err(InvalidCode::NoPrefecture),
            },
            n => {
                if zero(2, 4) {
                    return Err(InvalidCode::NotBelowPrefecture);
                }
                if zero(6, 9) || (n == 12 && zero(9, 12)) {
                    return Err(InvalidCode::EmptySegment);
                }
                if n == 9 {
                    RegionLevel::Township
                } else {
                    RegionLevel::Village
                }
            }
        };
        Ok(RegionCode { code, level })
    }

    pub fn as_str(&self) -> &'a str {
        self.code
    }

    pub fn level(&self) -> RegionLevel {
        self.level
    }

    pub fn segments(&self) -> Segments<'a> {
        let c = self.code;
        let pair = |from: usize| Some(&c[from..from + 2]).filter(|s| *s != "00");
        Segments {
            province: &c[..2],
            prefecture: pair(2),
            county: pair(4),
            township: c.get(6..9),
            village: c.get(9..12),
        }
    }

    /// The digits every code within this region (itself included) starts with.
    pub fn prefix(&self) -> &'a str {
        match self.level {
            RegionLevel::Province => &self.code[..2],
            RegionLevel::Prefecture => &self.code[..4],
            RegionLevel::County | RegionLevel::Township | RegionLevel::Village => self.code,
        }
    }

    /// Whether `code` is this region or lies below it.
    pub fn covers(&self, code: RegionCode<'_>) -> bool {
        code.code.starts_with(self.prefix())
    }

    /// The SQL `LIKE` pattern of the codes within this region (itself included). Codes are digits,
    /// so nothing needs escaping.
    pub fn within_pattern(&self) -> String {
        format!("{}%", self.prefix())
    }

    /// The code of the level above: a county's prefecture, a township's county (or prefecture),
    /// a village's township. A county's prefecture code may name no region (the districts of
    /// the municipalities, the counties directly under a province): the stored region's
    /// `parent_id` says which region it hangs from.
    pub fn parent(&self) -> Option<String> {
        let c = self.code;
        match self.level {
            RegionLevel::Province => None,
            RegionLevel::Prefecture => Some(format!("{}0000", &c[..2])),
            RegionLevel::County => Some(format!("{}00", &c[..4])),
            RegionLevel::Township => Some(c[..6].to_string()),
            RegionLevel::Village => Some(c[..9].to_string()),
        }
    }

    /// The code of the province the region lies in (its own, for a province).
    pub fn province(&self) -> String {
        format!("{}0000", &self.code[..2])
    }
}

impl fmt::Display for RegionCode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// Checks a code a caller typed into the input field `field`: `BAD_USER_INPUT` naming it when the
/// code is not a GB/T 2260 code.
pub fn check(field: &str, code: &str) -> crate::error::AppResult<()> {
    parse(code)
        .map(|_| ())
        .map_err(|e| crate::error::AppError::bad_input(field, e.to_string()))
}

pub fn parse(code: &str) -> Result<RegionCode<'_>, InvalidCode> {
    RegionCode::parse(code)
}

/// The level of a valid code.
pub fn level(code: &str) -> Option<RegionLevel> {
    parse(code).ok().map(|c| c.level())
}

/// Whether `code` is the region `scope` or lies below it; false when either is not a valid code.
pub fn covers(scope: &str, code: &str) -> bool {
    match (parse(scope), parse(code)) {
        (Ok(scope), Ok(code)) => scope.covers(code),
        _ => false,
    }
}

/// The SQL `LIKE` pattern of the codes within the region `code` (itself included).
pub fn within_pattern(code: &str) -> Result<String, InvalidCode> {
    parse(code).map(|c| c.within_pattern())
}

/// The code of the level above (see [`RegionCode::parent`]); `None` for a province or an invalid
/// code.
pub fn parent(code: &str) -> Option<String> {
    parse(code).ok()?.parent()
}

/// The region `code` and the codes of every level above it, nearest first (`532923`, `532900`,
/// `530000`); empty for an invalid code. A code above may name no stored region (see
/// [`RegionCode::parent`]), so callers match these against stored codes.
pub fn ancestors(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = parse(code).ok().map(|c| c.as_str().to_string());
    while let Some(c) = next {
        next = parent(&c);
        out.push(c);
    }
    out
}

/// The code of the province a valid code lies in.
pub fn province(code: &str) -> Option<String> {
    parse(code).ok().map(|c| c.province())
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegionLevel::*;

    /// code, level, parent, LIKE pattern.
    const VALID: &[(&str, RegionLevel, Option<&str>, &str)] = &[
        ("530000", Province, None, "53%"),
        ("110000", Province, None, "11%"),
        ("532500", Prefecture, Some("530000"), "5325%"),
        ("441900", Prefecture, Some("440000"), "4419%"),
        ("532528", County, Some("532500"), "532528%"),
        ("532529", County, Some("532500"), "532529%"),
        ("110101", County, Some("110100"), "110101%"),
        ("419001", County, Some("419000"), "419001%"),
        ("152529", County, Some("152500"), "152529%"),
        ("152529200", Township, Some("152529"), "152529200%"),
        ("152529201", Township, Some("152529"), "152529201%"),
        ("532528100", Township, Some("532528"), "532528100%"),
        ("441900003", Township, Some("441900"), "441900003%"),
        ("532528001001", Village, Some("532528001"), "532528001001%"),
        ("152529200001", Village, Some("152529200"), "152529200001%"),
        ("152529201200", Village, Some("152529201"), "152529201200%"),
    ];

    #[test]
    fn ancestors_run_from_the_code_up_to_its_province() {
        assert_eq!(ancestors("532923"), ["532923", "532900", "530000"]);
        assert_eq!(ancestors("441900003"), ["441900003", "441900", "440000"]);
        assert_eq!(ancestors("530000"), ["530000"]);
        assert!(ancestors("53").is_empty());
    }

    #[test]
    fn valid_codes_have_their_level_parent_and_pattern() {
        for &(code, lvl, par, pattern) in VALID {
            let c = parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(c.level(), lvl, "{code}");
            assert_eq!(level(code), Some(lvl), "{code}");
            assert_eq!(c.parent().as_deref(), par, "{code}");
            assert_eq!(parent(code).as_deref(), par, "{code}");
            assert_eq!(within_pattern(code).as_deref(), Ok(pattern), "{code}");
            assert_eq!(
                province(code),
                Some(format!("{}0000", &code[..2])),
                "{code}"
            );
            assert_eq!(c.as_str(), code);
            assert!(covers(code, code), "{code} covers itself");
            if let Some(p) = par
                && parse(p).is_ok()
            {
                assert!(covers(p, code), "{p} covers its child {code}");
                assert!(!covers(code, p), "{code} does not cover its parent {p}");
            }
        }
    }

    #[test]
    fn segments_name_each_level_present() {
        let s = |code| parse(code).unwrap().segments();
        let seg = |province, prefecture, county, township, village| Segments {
            province,
            prefecture,
            county,
            township,
            village,
        };
        assert_eq!(s("530000"), seg("53", None, None, None, None));
        assert_eq!(s("532500"), seg("53", Some("25"), None, None, None));
        assert_eq!(s("532528"), seg("53", Some("25"), Some("28"), None, None));
        assert_eq!(
            s("152529200"),
            seg("15", Some("25"), Some("29"), Some("200"), None)
        );
        assert_eq!(
            s("441900003"),
            seg("44", Some("19"), None, Some("003"), None)
        );
        assert_eq!(
            s("532528001001"),
            seg("53", Some("25"), Some("28"), Some("001"), Some("001"))
        );
    }

    /// scope, code, whether the scope covers the code.
    const COVERS: &[(&str, &str, bool)] = &[
        // Sibling townships share the text `1525292`: neither covers the other.
        ("152529200", "152529201", false),
        ("152529201", "152529200", false),
        ("152529200", "152529200001", true),
        ("152529200", "152529201001", false),
        ("152529200", "152529", false),
        // Sibling counties.
        ("532528", "532529", false),
        ("532529", "532528", false),
        ("532528", "532528100", true),
        ("532528", "532528001001", true),
        ("532528", "532529001001", false),
        // Villages: only themselves, whatever their digits share.
        ("152529201200", "152529201201", false),
        ("152529201200", "152529201200", true),
        ("532528001001", "532528001", false),
        // A prefecture covers its counties, townships and villages (and ones with no county).
        ("532500", "532528", true),
        ("532500", "532528100", true),
        ("532500", "532528001001", true),
        ("532500", "532600", false),
        ("532500", "532601", false),
        ("441900", "441900003", true),
        ("441900", "442000003", false),
        // A province covers everything in it, nothing in another.
        ("530000", "532528", true),
        ("530000", "532528001001", true),
        ("530000", "532500", true),
        ("530000", "540000", false),
        ("530000", "542528", false),
        ("530000", "152529200", false),
        // Invalid codes cover nothing and are covered by nothing.
        ("53", "532528", false),
        ("5300", "532528", false),
        ("530000", "5325", false),
        ("530000", "53252", false),
        ("530000", "530001", false),
        ("530000", "5325280", false),
        ("530000", "53%", false),
        ("", "", false),
    ];

    #[test]
    fn a_code_covers_itself_and_what_lies_below_it_only() {
        for &(scope, code, expected) in COVERS {
            assert_eq!(covers(scope, code), expected, "covers({scope}, {code})");
        }
    }

    /// The pattern matches (as SQL `LIKE` would) exactly the codes the region covers.
    #[test]
    fn the_like_pattern_agrees_with_covers() {
        let like = |pattern: &str, code: &str| code.starts_with(pattern.trim_end_matches('%'));
        let codes: Vec<&str> = VALID
            .iter()
            .map(|v| v.0)
            .chain(["540000", "532601"])
            .collect();
        for scope in &codes {
            let pattern = within_pattern(scope).unwrap();
            assert_eq!(pattern.matches('%').count(), 1, "{pattern}");
            assert!(pattern.ends_with('%'), "{pattern}");
            for code in &codes {
                assert_eq!(like(&pattern, code), covers(scope, code), "{scope} {code}");
            }
        }
    }

    #[test]
    fn invalid_codes_are_refused_with_the_reason() {
        use InvalidCode::*;
        for (code, why) in [
            ("", Shape),
            ("53", Shape),
            ("5300", Shape),
            ("53000", Shape),
            ("5300000", Shape),
            ("53252810", Shape),
            ("5325281001", Shape),
            ("53252810000100", Shape),
            ("53252a", Shape),
            ("53 000", Shape),
            ("+53000", Shape),
            ("５３００００", Shape),
            ("53252%", Shape),
            ("53252_", Shape),
            ("000000", NoProvince),
            ("001234", NoProvince),
            ("530001", NoPrefecture),
            ("530000100", NotBelowPrefecture),
            ("530000100001", NotBelowPrefecture),
            ("532528000", EmptySegment),
            ("532528000001", EmptySegment),
            ("532528100000", EmptySegment),
        ] {
            assert_eq!(parse(code), Err(why), "{code:?}");
            assert_eq!(level(code), None, "{code:?}");
            assert_eq!(parent(code), None, "{code:?}");
            assert_eq!(province(code), None, "{code:?}");
            assert_eq!(within_pattern(code), Err(why), "{code:?}");
            assert!(!covers(code, code), "{code:?}");
        }
    }
}
