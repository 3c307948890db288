//! Field collection over a whole operation, done before it runs (GraphQL §6.3.2, CollectFields).
//!
//! The executor answers a response key that several fields share (repeated keys, keys spread in
//! from fragments) by resolving each field and merging the values. The direct writer for list
//! items (`plain`) produces JSON text, which cannot be merged. So the direct writer is used only in
//! operations where field collection merges nothing: no selection set, with every fragment spread
//! and inline fragment folded into it, has a response key twice. The check is conservative: it
//! folds in fragments whatever their type condition and directives, so it may send an operation to
//! the executor that did not need it, never the other way round.
use async_graphql::Positioned;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use foldhash::HashSet;

/// How many fields the check visits before it gives up (and answers "merges"), so that nested
/// fragments spread many times cannot make it expensive.
const BUDGET: usize = 20_000;

/// Whether field collection in `selection_set` (an operation's, with the fragments of `doc`)
/// merges two or more fields under one response key anywhere in the operation.
pub fn merges_fields(doc: &ExecutableDocument, selection_set: &Positioned<SelectionSet>) -> bool {
    let mut budget = BUDGET;
    merges(doc, selection_set, &mut budget, 0)
}

fn merges(
    doc: &ExecutableDocument,
    set: &Positioned<SelectionSet>,
    budget: &mut usize,
    spreads: usize,
) -> bool {
    let mut fields = Vec::new();
    if !collect(doc, set, &mut fields, budget, spreads) {
        return true;
    }
    let mut keys = HashSet::with_capacity_and_hasher(fields.len(), Default::default());
    for (field, _) in &fields {
        if !keys.insert(field.node.response_key().node.as_str()) {
            return true;
        }
    }
    fields.iter().any(|(field, spreads)| {
        !field.node.selection_set.node.items.is_empty()
            && merges(doc, &field.node.selection_set, budget, *spreads)
    })
}

type Collected<'d> = Vec<(&'d Positioned<async_graphql::parser::types::Field>, usize)>;

/// The fields of `set` with its fragments folded in; false when the budget ran out or spreads
/// nest deeper than any valid document could (a cycle, which validation then rejects).
fn collect<'d>(
    doc: &'d ExecutableDocument,
    set: &'d Positioned<SelectionSet>,
    out: &mut Collected<'d>,
    budget: &mut usize,
    spreads: usize,
) -> bool {
    for item in &set.node.items {
        if *budget == 0 || spreads > 64 {
            return false;
        }
        *budget -= 1;
        let ok = match &item.node {
            Selection::Field(field) => {
                out.push((field, spreads));
                true
            }
            Selection::InlineFragment(inline) => {
                collect(doc, &inline.node.selection_set, out, budget, spreads)
            }
            Selection::FragmentSpread(spread) => {
                match doc.fragments.get(&spread.node.fragment_name.node) {
                    Some(f) => collect(doc, &f.node.selection_set, out, budget, spreads + 1),
                    // An unknown fragment fails validation; nothing runs.
                    None => true,
                }
            }
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn merges_in(query: &str) -> bool {
        let doc = parse_query(query).expect("parses");
        let (_, op) = doc.operations.iter().next().expect("an operation");
        merges_fields(&doc, &op.node.selection_set)
    }

    #[test]
    fn distinct_keys_merge_nothing() {
        assert!(!merges_in("{ a { b c } d: a { b } }"));
        assert!(!merges_in("{ a { ...F } } fragment F on T { b c { d } }"));
        assert!(!merges_in("{ a { b ... on T { c } } }"));
    }

    #[test]
    fn repeated_keys_merge_at_any_depth() {
        assert!(merges_in("{ a { id } a { b } }"));
        assert!(merges_in("{ x { y { a { id } a { b } } } }"));
        assert!(merges_in("{ a: b c: b a: d }"));
    }

    #[test]
    fn keys_from_fragments_merge_with_the_fields_beside_them() {
        assert!(merges_in("{ a { id } ...F } fragment F on Q { a { b } }"));
        assert!(merges_in("{ a { id ... on T { id } } }"));
        assert!(merges_in(
            "{ c { edges { node { id ...T } } ...C } } \
             fragment T on N { id } fragment C on Conn { edges { node { b } } }"
        ));
        assert!(merges_in("{ a { ... @include(if: true) { id } id } }"));
    }

    #[test]
    fn cycles_and_huge_expansions_are_called_merging() {
        assert!(merges_in("{ ...F } fragment F on Q { ...F }"));
        let mut doc = String::from("{ ...F0 }");
        for i in 0..20 {
            doc.push_str(&format!(
                " fragment F{i} on Q {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        doc.push_str(" fragment F20 on Q { a }");
        assert!(merges_in(&doc));
    }
}
