//! Operation limits checked before anything executes: the document's size (tokens, bracket nesting),
//! then, on every operation and fragment with fragments expanded, depth, cost, aliases, root fields and
//! introspection shape. Fragment results are memoized, so the analysis itself is linear in the size of
//! the document however spreads multiply; cycles and over-long spread chains are refused, not followed.
use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
    TypeDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Value};
// foldhash (seeded per process): the walk hashes every field and type name of every request, and
// a document's names are bounded by its size limits; SipHash showed in every request's profile.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// The page size assumed for a connection without `first`/`last` (as the resolvers do).
pub const DEFAULT_PAGE: u64 = crate::connection::DEFAULT_PAGE as u64;
/// The largest page; larger values are refused by the resolvers, and cost no more than this here.
pub const MAX_PAGE: u64 = crate::connection::MAX_PAGE as u64;
/// The size assumed for a list that is not paged (`letters`, `commitments`, `revisions` …).
pub const LIST_FACTOR: u64 = 10;
/// The longest chain of fragment spreads inside fragment spreads.
pub const MAX_SPREAD_CHAIN: usize = 32;

/// The limits an operation must keep (all configurable, see `config::LimitArgs`).
#[derive(Debug, Clone)]
pub struct OperationLimits {
    /// Deepest field nesting (`ofType` wrappers in introspection do not count).
    pub max_depth: u64,
    /// Largest cost: each field 1, a connection `first`/`last` (default 20) times its children.
    pub max_cost: u64,
    /// Most aliased fields in an operation.
    pub max_aliases: u64,
    /// Most root fields in an operation.
    pub max_root_fields: u64,
    /// Most lexical tokens in a document.
    pub max_tokens: u64,
    /// Deepest nesting of `{`, `[`, `(` in a document (bounds the parser's recursion).
    pub max_nesting: u64,
}

impl Default for OperationLimits {
    fn default() -> Self {
        OperationLimits {
            max_depth: 12,
            max_cost: 20_000,
            max_aliases: 50,
            max_root_fields: 20,
            max_tokens: 15_000,
            max_nesting: 40,
        }
    }
}

/// A refused document: the error code and a message for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    pub code: &'static str,
    pub message: String,
}

fn too_complex(message: String) -> LimitError {
    LimitError {
        code: "QUERY_TOO_COMPLEX",
        message,
    }
}

/// What the analysis measured on the operation that will run (the largest figures of the document).
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub depth: u64,
    pub cost: u64,
    pub aliases: u64,
    pub root_fields: u64,
    /// Whether an operation selects `__schema` or `__type`.
    pub introspection: bool,
}

/// Counts tokens and bracket nesting without parsing, so the parser never sees a document that is
/// too large or too deeply nested (its recursion is otherwise bounded only by the stack).
pub fn check_tokens(query: &str, limits: &OperationLimits) -> Result<(), LimitError> {
    let b = query.as_bytes();
    let (mut i, mut tokens, mut nesting, mut deepest) = (0usize, 0u64, 0u64, 0u64);
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                nesting += 1;
                deepest = deepest.max(nesting);
                i += 1;
            }
            b'}' | b']' | b')' => {
                nesting = nesting.saturating_sub(1);
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'+') => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.')) {
                    i += 1;
                }
            }
            0xEF if b[i..].starts_with("\u{feff}".as_bytes()) => {
                i += 3;
                continue;
            }
            _ => i += 1,
        }
        tokens += 1;
        if tokens > limits.max_tokens {
            return Err(too_complex(format!(
                "the document has more than {} tokens",
                limits.max_tokens
            )));
        }
        if deepest > limits.max_nesting {
            return Err(too_complex(format!(
                "the document nests brackets more than {} deep",
                limits.max_nesting
            )));
        }
    }
    Ok(())
}

/// What the analysis knows of one field of an output type.
#[derive(Debug, Clone)]
struct FieldInfo {
    ty: String,
    list: bool,
    paged: bool,
}

/// Output types and their fields, taken from the schema's SDL (plus the introspection types).
#[derive(Debug, Clone, Default)]
pub struct TypeInfo {
    query: String,
    mutation: Option<String>,
    types: HashMap<String, HashMap<String, FieldInfo>>,
    /// The values of each enum type.
    enums: HashMap<String, HashSet<String>>,
}

/// (field, type, is a list) of an introspection type.
type IntrospectionField = (&'static str, &'static str, bool);

const INTROSPECTION: &[(&str, &[IntrospectionField])] = &[
    (
        "__Schema",
        &[
            ("types", "__Type", true),
            ("queryType", "__Type", false),
            ("mutationType", "__Type", false),
            ("subscriptionType", "__Type", false),
            ("directives", "__Directive", true),
        ],
    ),
    (
        "__Type",
        &[
            ("fields", "__Field", true),
            ("interfaces", "__Type", true),
            ("possibleTypes", "__Type", true),
            ("enumValues", "__EnumValue", true),
            ("inputFields", "__InputValue", true),
            ("ofType", "__Type", false),
        ],
    ),
    (
        "__Field",
        &[("args", "__InputValue", true), ("type", "__Type", false)],
    ),
    ("__InputValue", &[("type", "__Type", false)]),
    ("__Directive", &[("args", "__InputValue", true)]),
];

impl TypeInfo {
    /// Builds the type map from SDL text (as `Schema::sdl()` prints it).
    pub fn from_sdl(sdl: &str) -> TypeInfo {
        let mut info = TypeInfo {
            query: "Query".into(),
            ..Default::default()
        };
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            return info;
        };
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    if let Some(q) = &s.node.query {
                        info.query = q.node.to_string();
                    }
                    info.mutation = s.node.mutation.as_ref().map(|m| m.node.to_string());
                }
                TypeSystemDefinition::Type(t) => {
                    let TypeDefinition { name, kind, .. } = t.node;
                    let fields = match kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        TypeKind::Enum(e) => {
                            let values = e.values.iter().map(|v| v.node.value.node.to_string());
                            info.enums.insert(name.node.to_string(), values.collect());
                            continue;
                        }
                        _ => continue,
                    };
                    let map = fields
                        .into_iter()
                        .map(|f| {
                            let f = f.node;
                            let mut base = &f.ty.node.base;
                            let mut list = false;
                            while let BaseType::List(inner) = base {
                                list = true;
                                base = &inner.base;
                            }
                            let ty = match base {
                                BaseType::Named(n) => n.to_string(),
                                BaseType::List(_) => String::new(),
                            };
                            let paged = f
                                .arguments
                                .iter()
                                .any(|a| matches!(a.node.name.node.as_str(), "first" | "last"));
                            (f.name.node.to_string(), FieldInfo { ty, list, paged })
                        })
                        .collect();
                    info.types.insert(name.node.to_string(), map);
                }
                _ => {}
            }
        }
        if info.mutation.is_none() && info.types.contains_key("Mutation") {
            info.mutation = Some("Mutation".into());
        }
        for (ty, fields) in INTROSPECTION {
            let map = fields
                .iter()
                .map(|(name, ty, list)| {
                    (
                        name.to_string(),
                        FieldInfo {
                            ty: ty.to_string(),
                            list: *list,
                            paged: false,
                        },
                    )
                })
                .collect();
            info.types.insert(ty.to_string(), map);
        }
        let query = info.types.entry(info.query.clone()).or_default();
        for (name, ty) in [("__schema", "__Schema"), ("__type", "__Type")] {
            query.insert(
                name.into(),
                FieldInfo {
                    ty: ty.into(),
                    list: false,
                    paged: false,
                },
            );
        }
        info
    }

    /// Whether `value` is a value of the enum type `ty` (false when `ty` is no enum).
    pub fn enum_has(&self, ty: &str, value: &str) -> bool {
        self.enums
            .get(ty)
            .is_some_and(|values| values.contains(value))
    }

    fn field(&self, ty: Option<&str>, name: &str) -> Option<&FieldInfo> {
        self.types.get(ty?)?.get(name)
    }
}

/// Figures of one selection set with its fragments expanded. Sums saturate: a fragment bomb's
/// figures become huge numbers, never a long computation.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    cost: u64,
    depth: u64,
    aliases: u64,
    selections: u64,
    fields_here: u64,
    schema_fields: u64,
    type_fields: u64,
    introspection_lists: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.cost = self.cost.saturating_add(o.cost);
        self.depth = self.depth.max(o.depth);
        self.aliases = self.aliases.saturating_add(o.aliases);
        self.selections = self.selections.saturating_add(o.selections);
        self.fields_here = self.fields_here.saturating_add(o.fields_here);
        self.schema_fields = self.schema_fields.saturating_add(o.schema_fields);
        self.type_fields = self.type_fields.saturating_add(o.type_fields);
        self.introspection_lists = self.introspection_lists.max(o.introspection_lists);
    }
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    types: &'a TypeInfo,
    variables: &'a Variables,
    defaults: HashMap<&'a str, &'a Value>,
    memo: HashMap<&'a str, Stats>,
    visiting: HashSet<&'a str>,
}

impl<'a> Walker<'a> {
    /// A variable's value: the request's, else the operation's default.
    fn variable(&self, name: &Name) -> Result<Value, ()> {
        self.variables
            .get(name)
            .or_else(|| self.defaults.get(name.as_str()).copied())
            .cloned()
            .ok_or(())
    }

    fn fragment(&mut self, name: &'a Name, chain: usize) -> Result<Stats, LimitError> {
        if let Some(s) = self.memo.get(name.as_str()) {
            return Ok(*s);
        }
        let Some(frag) = self.doc.fragments.get(name) else {
            return Ok(Stats::default()); // unknown fragment: validation reports it
        };
        if chain >= MAX_SPREAD_CHAIN {
            return Err(too_complex(format!(
                "fragment spreads are nested more than {MAX_SPREAD_CHAIN} deep"
            )));
        }
        if !self.visiting.insert(name.as_str()) {
            return Err(LimitError {
                code: "BAD_USER_INPUT",
                message: format!("fragment \"{name}\" spreads itself (a fragment cycle)"),
            });
        }
        let on = frag.node.type_condition.node.on.node.as_str();
        let stats = self.selection_set(&frag.node.selection_set.node, Some(on), chain + 1)?;
        self.visiting.remove(name.as_str());
        self.memo.insert(name.as_str(), stats);
        Ok(stats)
    }

    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        ty: Option<&'a str>,
        chain: usize,
    ) -> Result<Stats, LimitError> {
        let mut total = Stats::default();
        for item in &set.items {
            let s = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let name = f.name.node.as_str();
                    let info = self.types.field(ty, name);
                    let child_ty = info.map(|i| i.ty.as_str());
                    let child = self.selection_set(&f.selection_set.node, child_ty, chain)?;
                    let introspection_list =
                        ty.is_some_and(|t| t.starts_with("__")) && info.is_some_and(|i| i.list);
                    let factor = match info {
                        Some(i) if i.paged => f
                            .get_argument("first")
                            .or_else(|| f.get_argument("last"))
                            .and_then(|v| {
                                v.node.clone().into_const_with(|n| self.variable(&n)).ok()
                            })
                            .and_then(count)
                            .unwrap_or(DEFAULT_PAGE)
                            .clamp(1, MAX_PAGE),
                        _ if name == "nodes" && ty == Some(self.types.query.as_str()) => f
                            .get_argument("ids")
                            .and_then(|v| {
                                v.node.clone().into_const_with(|n| self.variable(&n)).ok()
                            })
                            .and_then(count)
                            .unwrap_or(1)
                            .clamp(1, MAX_PAGE),
                        // `edges`/`nodes` of a connection: the connection's page already counts them
                        Some(i) if i.list && !ty.is_some_and(|t| t.ends_with("Connection")) => {
                            if introspection_list {
                                1
                            } else {
                                LIST_FACTOR
                            }
                        }
                        _ => 1,
                    };
                    Stats {
                        cost: child.cost.saturating_mul(factor).saturating_add(1),
                        depth: child.depth + u64::from(name != "ofType"),
                        aliases: child.aliases + u64::from(f.alias.is_some()),
                        selections: child.selections.saturating_add(1),
                        fields_here: 1,
                        schema_fields: child.schema_fields + u64::from(name == "__schema"),
                        type_fields: child.type_fields + u64::from(name == "__type"),
                        introspection_lists: child.introspection_lists
                            + u64::from(introspection_list),
                    }
                }
                Selection::InlineFragment(frag) => {
                    let on = frag
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str())
                        .or(ty);
                    let mut s = self.selection_set(&frag.node.selection_set.node, on, chain)?;
                    s.selections = s.selections.saturating_add(1);
                    s
                }
                Selection::FragmentSpread(spread) => {
                    let mut s = self.fragment(&spread.node.fragment_name.node, chain)?;
                    s.selections = s.selections.saturating_add(1);
                    s
                }
            };
            total.add(&s);
        }
        Ok(total)
    }
}

/// An argument as a number, or a list's length.
fn count(value: Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_i64().map(|n| n.max(0) as u64),
        Value::List(items) => Some(items.len() as u64),
        _ => None,
    }
}

/// The most nested lists (`types`, `fields`, `args` …) an introspection query may select.
const MAX_INTROSPECTION_LISTS: u64 = 3;

fn check(stats: &Stats, root: bool, limits: &OperationLimits) -> Result<(), LimitError> {
    if stats.depth > limits.max_depth {
        return Err(too_complex(format!(
            "the query is nested {} deep; at most {} is allowed",
            stats.depth, limits.max_depth
        )));
    }
    if stats.cost > limits.max_cost || stats.selections > limits.max_cost {
        return Err(too_complex(format!(
            "the query costs {} (a connection costs its `first` or `last`, default {DEFAULT_PAGE}, times its selection); at most {} is allowed",
            stats.cost.max(stats.selections),
            limits.max_cost
        )));
    }
    if stats.aliases > limits.max_aliases {
        return Err(too_complex(format!(
            "the query has {} aliases; at most {} are allowed",
            stats.aliases, limits.max_aliases
        )));
    }
    if root && stats.fields_here > limits.max_root_fields {
        return Err(too_complex(format!(
            "the query selects {} root fields; at most {} are allowed",
            stats.fields_here, limits.max_root_fields
        )));
    }
    if stats.schema_fields > 1
        || stats.type_fields > limits.max_aliases.max(1)
        || stats.introspection_lists > MAX_INTROSPECTION_LISTS
    {
        return Err(too_complex(format!(
            "introspection is limited to one `__schema` per operation and {MAX_INTROSPECTION_LISTS} nested lists"
        )));
    }
    Ok(())
}

/// Checks every operation and fragment of a parsed document (validation visits them all, so all
/// must be small), and returns the figures of the largest.
pub fn analyze(
    doc: &ExecutableDocument,
    types: &TypeInfo,
    variables: &Variables,
    limits: &OperationLimits,
) -> Result<Analysis, LimitError> {
    let operations: Vec<&Positioned<OperationDefinition>> = match &doc.operations {
        DocumentOperations::Single(op) => vec![op],
        DocumentOperations::Multiple(map) => map.values().collect(),
    };
    let mut walker = Walker {
        doc,
        types,
        variables,
        defaults: HashMap::new(),
        memo: HashMap::new(),
        visiting: HashSet::new(),
    };
    let mut analysis = Analysis::default();
    let mut whole = 0u64;
    for name in doc.fragments.keys() {
        let s = walker.fragment(name, 0)?;
        check(&s, false, limits)?;
        whole = whole.saturating_add(s.selections);
    }
    for op in operations {
        walker.defaults = op
            .node
            .variable_definitions
            .iter()
            .filter_map(|v| {
                let d = v.node.default_value.as_ref()?;
                Some((v.node.name.node.as_str(), &d.node))
            })
            .collect();
        let root = match op.node.ty {
            async_graphql::parser::types::OperationType::Mutation => {
                types.mutation.as_deref().unwrap_or("Mutation")
            }
            async_graphql::parser::types::OperationType::Subscription => "Subscription",
            _ => types.query.as_str(),
        };
        let s = walker.selection_set(&op.node.selection_set.node, Some(root), 0)?;
        check(&s, true, limits)?;
        whole = whole.saturating_add(s.selections);
        analysis.depth = analysis.depth.max(s.depth);
        analysis.cost = analysis.cost.max(s.cost);
        analysis.aliases = analysis.aliases.max(s.aliases);
        analysis.root_fields = analysis.root_fields.max(s.fields_here);
        analysis.introspection |= s.schema_fields > 0 || s.type_fields > 0;
    }
    // Validation walks every operation and fragment with spreads inlined: bound that walk as a whole.
    if whole > limits.max_cost.saturating_mul(2) {
        return Err(too_complex(format!(
            "the document expands to {whole} selections; at most {} are allowed",
            limits.max_cost.saturating_mul(2)
        )));
    }
    Ok(analysis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> TypeInfo {
        TypeInfo::from_sdl(
            "type Query { a: A! list(first: Int, last: Int): AConnection! n: Int }
             type A { b: A! n: Int items: [A!]! }
             type AConnection { nodes: [A!]! totalCount: Int! }",
        )
    }

    fn run(q: &str) -> Result<Analysis, LimitError> {
        let limits = OperationLimits::default();
        check_tokens(q, &limits)?;
        let doc = async_graphql::parser::parse_query(q).map_err(|e| LimitError {
            code: "BAD_USER_INPUT",
            message: e.to_string(),
        })?;
        analyze(&doc, &types(), &Variables::default(), &limits)
    }

    #[test]
    fn connection_cost_multiplies() {
        let a = run("{ list(first: 50) { nodes { n b { n } } } }").unwrap();
        assert_eq!(a.cost, 1 + 50 * (1 + 1 + 2));
        let a = run("{ list { totalCount } }").unwrap();
        assert_eq!(a.cost, 1 + 20);
    }

    #[test]
    fn fragment_doubling_is_linear_and_refused() {
        let mut q = String::from("query { ...F0 }\n");
        for i in 0..30 {
            q.push_str(&format!(
                "fragment F{i} on Query {{ a {{ ...F{} }} a {{ ...F{} }} }}\n",
                i + 1,
                i + 1
            ));
        }
        q.push_str("fragment F30 on Query { n }\n");
        let started = std::time::Instant::now();
        let e = run(&q).unwrap_err();
        assert_eq!(e.code, "QUERY_TOO_COMPLEX");
        assert!(started.elapsed().as_millis() < 200);
    }

    #[test]
    fn cycles_are_refused() {
        let e = run("{ ...A } fragment A on Query { a { ...B } } fragment B on A { b { ...A } }")
            .unwrap_err();
        assert_eq!(e.code, "BAD_USER_INPUT");
    }

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let q = format!(
            "{{ n(x: {}1{}) }}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(run(&q).unwrap_err().code, "QUERY_TOO_COMPLEX");
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    fn cost(q: &str) -> u64 {
        let types = TypeInfo::from_sdl(&crate::schema::sdl());
        let doc = async_graphql::parser::parse_query(q).unwrap();
        let limits = OperationLimits {
            max_cost: u64::MAX / 4,
            ..Default::default()
        };
        analyze(&doc, &types, &Variables::default(), &limits)
            .map(|a| a.cost)
            .unwrap()
    }

    #[test]
    fn readme_queries_fit_the_default_budget() {
        let portal = cost(
            r#"{ organization(code: "310000") { name pairings(first: 10) { nodes { program
                recipient { code name } letters(year: 2019) { status commitments { indicator unit target } }
                fundTransfers(first: 20, filter: { year: 2019 }) { totalCount
                  nodes { referenceNo category amount status allocatedOn recipient { name } } } } } } }"#,
        );
        let listed = cost(
            r#"{ regions(filter: { provinceCode: "530000", listedOnly: true }, first: 20) {
                nodes { code name poverty { listedForSupervision exitYear } } }
              pairingAgreements(filter: { provinceCode: "530000", year: 2020 }) {
                totalCount nodes { program helper { name } recipient { name } } } }"#,
        );
        eprintln!("portal {portal}, listed {listed}");
        assert!(portal < 10_000 && listed < 1_000, "{portal} {listed}");
        assert_eq!(
            cost("{ regions(first: 100) { nodes { children(first: 100) { nodes { code } } } } }"),
            1 + 100 * (1 + 1 + 100 * 2)
        );
        // The README's examples.
        assert_eq!(
            cost(
                "{ regions(first: 100) { nodes { code children(first: 100) { nodes { code } } } } }"
            ),
            20_301
        );
        assert_eq!(
            cost(
                "{ regions(first: 100) { nodes { code children(first: 50) { nodes { code } } } } }"
            ),
            10_301
        );
        assert_eq!(
            cost(
                "{ regions(first: 100) { nodes { children(first: 100) { nodes { children(first: 100) { nodes { code } } } } } } }"
            ),
            2_020_201
        );
    }
}
