//! Field collection and merging (GraphQL §6.3.2): a selection written once, merged, answers
//! exactly as the same selection split across repeated response keys, inline fragments, named
//! fragments and `@include`/`@skip`, on every list at the root and every object type reachable
//! from it (nested pages included). The documents are generated from introspection, so a field
//! or a list added to the schema is covered without touching this test.
use crate::harness::{TestApp, token};
use pairing_api::auth::Role;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How many object levels below a root list's items the generated selections reach.
const DEPTH: usize = 2;

#[derive(Clone, Debug)]
struct TypeRef {
    kind: String,
    name: String,
}

#[derive(Clone, Debug)]
struct FieldDef {
    name: String,
    /// Arguments written on the field (required ones the test knows how to fill, `first`).
    args: String,
    ty: TypeRef,
}

struct Schema {
    types: BTreeMap<String, Vec<FieldDef>>,
    query: Vec<FieldDef>,
}

/// The named type under any wrapping of list and non-null.
fn unwrap(ty: &Value) -> TypeRef {
    let mut t = ty;
    while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
        t = &t["ofType"];
    }
    TypeRef {
        kind: t["kind"].as_str().unwrap_or_default().to_string(),
        name: t["name"].as_str().unwrap_or_default().to_string(),
    }
}

/// The arguments to write for `field`, or `None` when it has a required argument the test cannot
/// fill. Years are 2020 (the demo's letters), pages are small.
fn arguments(field: &Value) -> Option<String> {
    let mut out = Vec::new();
    for arg in field["args"].as_array().into_iter().flatten() {
        let name = arg["name"].as_str().unwrap_or_default();
        let required = arg["type"]["kind"] == "NON_NULL" && arg["defaultValue"].is_null();
        match name {
            "first" => out.push("first: 2".to_string()),
            "year" if unwrap(&arg["type"]).name == "Int" => out.push("year: 2020".to_string()),
            _ if required => return None,
            _ => {}
        }
    }
    Some(if out.is_empty() {
        String::new()
    } else {
        format!("({})", out.join(", "))
    })
}

async fn schema(app: &TestApp) -> Schema {
    let q = r#"{ __schema { queryType { name } types { name kind fields {
        name args { name defaultValue type { kind name ofType { kind name ofType { kind name } } } }
        type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"#;
    let body = app.gql(q, json!({})).await;
    let query_name = body["data"]["__schema"]["queryType"]["name"]
        .as_str()
        .unwrap_or_else(|| panic!("introspection: {body}"))
        .to_string();
    let mut types = BTreeMap::new();
    for t in body["data"]["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().expect("type name");
        if t["kind"] != "OBJECT" || name.starts_with("__") {
            continue;
        }
        let fields = t["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| {
                Some(FieldDef {
                    name: f["name"].as_str()?.to_string(),
                    args: arguments(f)?,
                    ty: unwrap(&f["type"]),
                })
            })
            .collect();
        types.insert(name.to_string(), fields);
    }
    let query = types.remove(&query_name).expect("the query type");
    Schema { types, query }
}

/// A selection: a leaf (scalar, enum) or an object field with its own selection.
#[derive(Clone, Debug)]
enum Sel {
    Leaf {
        key: String,
        field: String,
    },
    Object {
        key: String,
        field: String,
        args: String,
        on: String,
        items: Vec<Sel>,
    },
}

impl Schema {
    /// Every field of `type_name` that can be selected, objects down to `depth` more levels.
    fn selection(&self, type_name: &str, depth: usize) -> Vec<Sel> {
        let mut items = Vec::new();
        for (i, f) in self.types[type_name].iter().enumerate() {
            // Every third leaf answers under an alias.
            let key = if i % 3 == 2 {
                format!("{}Alias", f.name)
            } else {
                f.name.clone()
            };
            match f.ty.kind.as_str() {
                "SCALAR" | "ENUM" => items.push(Sel::Leaf {
                    key,
                    field: f.name.clone(),
                }),
                "OBJECT" if depth > 0 => {
                    let inner = self.selection(&f.ty.name, depth - 1);
                    if !inner.is_empty() {
                        items.push(Sel::Object {
                            key,
                            field: f.name.clone(),
                            args: f.args.clone(),
                            on: f.ty.name.clone(),
                            items: inner,
                        });
                    }
                }
                _ => {}
            }
        }
        items
    }

    /// The root fields that are Relay connections, with their item type.
    fn root_lists(&self) -> Vec<(&FieldDef, String)> {
        self.query
            .iter()
            .filter(|f| f.ty.kind == "OBJECT" && f.ty.name.ends_with("Connection"))
            .map(|f| {
                let node = self.types[&f.ty.name]
                    .iter()
                    .find(|n| n.name == "nodes")
                    .expect("a connection has nodes");
                (f, node.ty.name.clone())
            })
            .collect()
    }
}

/// `key: field`, or the field alone when it answers under its own name.
fn keyed(key: &str, field: &str) -> String {
    if key == field {
        format!("{field} ")
    } else {
        format!("{key}: {field} ")
    }
}

/// Writes `items`, each object's own selection through `selection`.
fn write_fields(
    items: &[Sel],
    out: &mut String,
    mut selection: impl FnMut(&str, &[Sel], &mut String),
) {
    for item in items {
        match item {
            Sel::Leaf { key, field } => out.push_str(&keyed(key, field)),
            Sel::Object {
                key,
                field,
                args,
                on,
                items,
            } => {
                out.push_str(keyed(key, field).trim_end());
                out.push_str(&format!("{args} "));
                selection(on, items, out);
            }
        }
    }
}

fn write_merged(items: &[Sel], out: &mut String) {
    out.push_str("{ ");
    write_fields(items, out, |_, inner, out| write_merged(inner, out));
    out.push_str("} ");
}

/// Splits `items` in two halves (objects go to both halves, each with half of their own
/// selection) and writes the second half through one of four forms chosen by `form`.
struct Splitter {
    fragments: Vec<String>,
}

impl Splitter {
    fn halves(items: &[Sel]) -> (Vec<Sel>, Vec<Sel>) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, item) in items.iter().enumerate() {
            match item {
                Sel::Leaf { .. } if i % 2 == 0 => a.push(item.clone()),
                Sel::Leaf { .. } => b.push(item.clone()),
                Sel::Object { items: inner, .. } => {
                    let (ia, ib) = Self::halves(inner);
                    for (half, part) in [(&mut a, ia), (&mut b, ib)] {
                        if let Sel::Object {
                            key,
                            field,
                            args,
                            on,
                            ..
                        } = item
                            && !part.is_empty()
                        {
                            half.push(Sel::Object {
                                key: key.clone(),
                                field: field.clone(),
                                args: args.clone(),
                                on: on.clone(),
                                items: part,
                            });
                        }
                    }
                }
            }
        }
        (a, b)
    }

    fn write(&mut self, on: &str, items: &[Sel], form: usize, out: &mut String) {
        let (a, b) = Self::halves(items);
        out.push_str("{ ");
        self.write_items(&a, form + 1, out);
        match form % 4 {
            _ if b.is_empty() => {}
            // The same keys again, side by side.
            0 => self.write_items(&b, form + 1, out),
            1 => {
                out.push_str(&format!("... on {on} "));
                self.write(on, &b, form + 1, out);
            }
            2 => {
                // The slot is reserved before the body is written: the body may add fragments.
                let i = self.fragments.len();
                let name = format!("F{i}");
                self.fragments.push(String::new());
                let mut body = String::new();
                self.write(on, &b, form + 1, &mut body);
                self.fragments[i] = format!("fragment {name} on {on} {body}");
                out.push_str(&format!("...{name} "));
            }
            _ => {
                out.push_str("... @include(if: $yes) ");
                self.write(on, &b, form + 1, out);
            }
        }
        if form % 4 == 3 {
            // Skipped fields answer nothing.
            out.push_str("skipped: __typename @skip(if: true) ");
            out.push_str("... @skip(if: $yes) { excluded: __typename } ");
        }
        out.push_str("} ");
    }

    fn write_items(&mut self, items: &[Sel], form: usize, out: &mut String) {
        write_fields(items, out, |on, inner, out| {
            self.write(on, inner, form, out)
        });
    }
}

/// The errors of an answer by path and code (their locations differ between the documents).
fn errors(body: &Value) -> Vec<String> {
    let mut out: Vec<String> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("{} {}", e["path"], e["extensions"]["code"]))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_selections_answer_as_merged_ones_on_every_list() {
    let app = TestApp::spawn_with(|s| {
        s.limits.max_depth = 64;
        s.limits.max_complexity = 1_000_000;
        s.limits.max_aliases = 10_000;
        s.limits.max_tokens = 1_000_000;
        s.limits.max_nesting = 64;
        s.limits.max_directives = 10_000;
        s.limits.max_response_bytes = 64 << 20;
    })
    .await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let admin = token(Role::Admin, None, None);
    // A write, so that the audit log has an event to list.
    let open = app
        .gql_as(
            Some(&admin),
            "{ fundTransfers(first: 1, filter: { status: ALLOCATED }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = &open["data"]["fundTransfers"]["nodes"][0]["id"];
    let cancelled = app
        .gql_as(
            Some(&admin),
            "mutation($id: ID!) { cancelFundTransfer(input: { fundTransferId: $id, reason: \"test\" }) { fundTransfer { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        cancelled["data"]["cancelFundTransfer"]["fundTransfer"]["status"], "CANCELLED",
        "{cancelled}"
    );
    let schema = schema(&app).await;
    let lists = schema.root_lists();
    assert!(lists.len() >= 6, "the schema has root lists: {lists:?}");
    let viewer = token(Role::Viewer, None, None);
    let mut compared = 0;
    for (list, item_type) in lists {
        // The connection's own fields with its items through `nodes` and `edges.node`.
        let conn = schema.selection(&list.ty.name, DEPTH + 1);
        assert!(
            conn.iter()
                .any(|s| matches!(s, Sel::Object { field, .. } if field == "nodes")),
            "{} selects its items",
            list.name
        );
        let args = if list.args.is_empty() {
            "(first: 3)".to_string()
        } else {
            list.args.replace("first: 2", "first: 3")
        };
        let root = vec![Sel::Object {
            key: list.name.clone(),
            field: list.name.clone(),
            args,
            on: list.ty.name.clone(),
            items: conn,
        }];
        let mut merged = "query ".to_string();
        write_merged(&root, &mut merged);
        for form in 0..4 {
            let mut splitter = Splitter {
                fragments: Vec::new(),
            };
            let mut split = "query($yes: Boolean!) ".to_string();
            splitter.write("Query", &root, form, &mut split);
            for f in &splitter.fragments {
                split.push_str(f);
            }
            for caller in [None, Some(admin.as_str()), Some(viewer.as_str())] {
                let vars = json!({ "yes": true });
                let expected = app.gql_as(caller, &merged, vars.clone()).await;
                let answer = app.gql_as(caller, &split, vars).await;
                assert!(
                    expected.get("errors").is_none() || caller != Some(admin.as_str()),
                    "{} ({item_type}) merged, as ADMIN: {expected}\n{merged}",
                    list.name
                );
                let items = &expected["data"][&list.name]["nodes"];
                assert!(
                    items.as_array().is_some_and(|n| !n.is_empty())
                        || caller != Some(admin.as_str()),
                    "{} has items in the demo for ADMIN: {expected}",
                    list.name
                );
                assert_eq!(
                    answer["data"], expected["data"],
                    "{} ({item_type}): the split document answers otherwise\n{split}",
                    list.name
                );
                assert_eq!(
                    errors(&answer),
                    errors(&expected),
                    "{} ({item_type}): the split document fails otherwise",
                    list.name
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 24, "{compared} pairs compared");
}

/// The two documents of the issue that found the fault, as an integrator composes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_and_apollo_style_fragments_keep_every_field() {
    let app = TestApp::spawn().await;
    pairing_api::seed::load_demo(&app.db)
        .await
        .expect("load demo");
    let viewer = token(Role::Viewer, None, None);
    let merged = app
        .gql_as(
            Some(&viewer),
            "{ fundTransfers(first: 3) { nodes { id referenceNo amount } } }",
            json!({}),
        )
        .await;
    let nodes = merged["data"]["fundTransfers"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes.len(), 3, "{merged}");
    assert!(
        nodes
            .iter()
            .all(|n| n["referenceNo"].is_string() && n["amount"].is_string())
    );
    let repeated = app
        .gql_as(
            Some(&viewer),
            "{ fundTransfers(first: 3) { nodes { id } nodes { referenceNo amount } } }",
            json!({}),
        )
        .await;
    assert_eq!(repeated, merged);
    let spread = app
        .gql_as(
            Some(&viewer),
            "query { fundTransfers(first: 3) { edges { node { id ...T } } ...C } }
             fragment T on FundTransfer { id }
             fragment C on FundTransferConnection { edges { node { referenceNo amount } } }",
            json!({}),
        )
        .await;
    let edges: Vec<Value> = spread["data"]["fundTransfers"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(&edges, nodes, "{spread}");
}
