//! Which requests of a known document may skip async-graphql's full validation.
//!
//! Full validation walks the whole document against the schema with twenty-odd rules; on a
//! portal's progress query it was a sixth of the server's instructions, for a document that
//! passed it already. Of those rules only one depends on the request rather than the document:
//! the argument values, once the variables are put in. A document that passed full validation
//! once has its variables declared with types that fit every place they are used, so values that
//! fit the declared types fit the arguments too. This check is deliberately narrow: it accepts
//! only values it can judge with certainty (built-in scalars, enums, lists of them); anything
//! else (input objects, custom scalars, null over a default) goes through
//! full validation, which then reports exactly what it always does.
use crate::limits::TypeInfo;
use async_graphql::Value;
use async_graphql::Variables;
use async_graphql::parser::types::{BaseType, OperationDefinition, Type};

/// Whether every variable of `operation` surely fits its declared type.
pub fn surely_valid(
    operation: &OperationDefinition,
    variables: &Variables,
    types: &TypeInfo,
) -> bool {
    operation.variable_definitions.iter().all(|def| {
        let def = &def.node;
        match variables.get(&def.name.node) {
            // A default applies (checked with the document), or the variable is missing, which
            // full validation does not judge either (execution reports it).
            None => true,
            // A nullable variable with a default may stand where null is not allowed.
            Some(Value::Null) => def.var_type.node.nullable && def.default_value.is_none(),
            Some(value) => fits(&def.var_type.node, value, types),
        }
    })
}

fn fits(ty: &Type, value: &Value, types: &TypeInfo) -> bool {
    match (&ty.base, value) {
        (_, Value::Null) => ty.nullable,
        (BaseType::List(item), Value::List(items)) => items.iter().all(|v| fits(item, v, types)),
        // A single value where a list is declared is coerced by async-graphql; not judged here.
        (BaseType::List(_), _) => false,
        (BaseType::Named(name), value) => match (name.as_str(), value) {
            ("Int", Value::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
            ("Float", Value::Number(_)) => true,
            ("String" | "ID", Value::String(_)) => true,
            ("Boolean", Value::Boolean(_)) => true,
            (ty, Value::String(s)) => types.enum_has(ty, s),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::types::DocumentOperations;

    const SDL: &str = "type Query { a(n: Int, s: Status): Int }\nenum Status { OPEN CLOSED }";

    fn judge(query: &str, variables: serde_json::Value) -> bool {
        let doc = async_graphql::parser::parse_query(query).expect("query parses");
        let DocumentOperations::Single(op) = &doc.operations else {
            panic!("one operation");
        };
        let variables = Variables::from_json(variables);
        surely_valid(&op.node, &variables, &TypeInfo::from_sdl(SDL))
    }

    #[test]
    fn fitting_values_of_built_in_scalars_and_enums_are_sure() {
        use serde_json::json;
        let q = "query($n: Int!, $f: Float, $s: String, $i: ID, $b: Boolean, $e: Status, $l: [Int!]) { a }";
        let all = json!({ "n": 2019, "f": 1.5, "s": "x", "i": "RmFp", "b": true, "e": "OPEN", "l": [1, 2] });
        assert!(judge(q, all));
        assert!(
            judge(q, json!({ "n": 1 })),
            "nullable variables may be absent"
        );
        assert!(
            judge(q, json!({})),
            "absent ones are judged by execution, as always"
        );
        assert!(judge(q, json!({ "n": 1, "s": null, "l": null })));
        assert!(
            judge("query($n: Int = 3) { a }", json!({})),
            "a default applies"
        );
    }

    #[test]
    fn anything_doubtful_is_left_to_full_validation() {
        use serde_json::json;
        let q = "query($n: Int!) { a }";
        for bad in [
            json!({ "n": null }),
            json!({ "n": "2019" }),
            json!({ "n": 1.5 }),
            json!({ "n": 4_000_000_000i64 }),
        ] {
            assert!(!judge(q, bad.clone()), "{bad}");
        }
        assert!(!judge("query($e: Status) { a }", json!({ "e": "NOPE" })));
        assert!(
            !judge("query($l: [Int]) { a }", json!({ "l": 1 })),
            "single value for a list"
        );
        assert!(!judge("query($l: [Int!]) { a }", json!({ "l": [1, null] })));
        assert!(
            !judge("query($i: ID) { a }", json!({ "i": 7 })),
            "numeric ids"
        );
        assert!(
            !judge("query($n: Int = 3) { a }", json!({ "n": null })),
            "null over a default"
        );
        assert!(
            !judge("query($d: Date) { a }", json!({ "d": "2019-01-01" })),
            "custom scalar"
        );
        assert!(
            !judge("query($f: Filter) { a }", json!({ "f": {} })),
            "input object"
        );
    }
}
