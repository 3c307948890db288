//! Query parameters of an export, read into the API's own input types: a filter parameter is
//! the filter field of the same name, checked by the same GraphQL input rules (enum values, whole
//! numbers), so the exports take exactly the API's filters.
use crate::error::AppError;
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{InputType, Name, Value};

/// The parameters of a request, consumed as they are read; what is left is unknown.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: &str) -> Result<Params, AppError> {
        let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
            .map_err(|_| AppError::BadRequest("malformed query string".into()))?;
        Ok(Params(pairs.into_inner()))
    }

    /// The values given for `name` (repeated parameters and comma-separated lists both count).
    fn take_all(&mut self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.0.retain(|(k, v)| {
            if k != name {
                return true;
            }
            out.extend(v.split(',').map(|s| s.trim().to_string()));
            false
        });
        out
    }

    /// The one value of `name`, if given.
    pub fn take(&mut self, name: &str) -> Result<Option<String>, AppError> {
        let values: Vec<(String, String)> =
            self.0.iter().filter(|(k, _)| k == name).cloned().collect();
        self.0.retain(|(k, _)| k != name);
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.into_iter().next().map(|(_, v)| v)),
            _ => Err(AppError::bad_input(name, "given more than once")),
        }
    }

    /// `name` as a year, required.
    pub fn year(&mut self, name: &str) -> Result<i32, AppError> {
        let raw = self
            .take(name)?
            .ok_or_else(|| AppError::bad_input(name, "required"))?;
        let year = raw
            .trim()
            .parse::<i32>()
            .map_err(|_| AppError::bad_input(name, format!("`{raw}` is not a year")))?;
        crate::rollup::service::check_year(name, year)?;
        Ok(year)
    }

    /// An input object of the API (e.g. `FundTransferFilter`) from the parameters named as its
    /// fields.
    pub fn input<T: InputType>(&mut self) -> Result<T, AppError> {
        let mut registry = Registry::default();
        let name = T::create_type_info(&mut registry);
        let name = MetaTypeName::concrete_typename(&name).to_string();
        let Some(MetaType::InputObject { input_fields, .. }) = registry.types.get(&name) else {
            return Err(AppError::Internal(format!("{name} is not an input object")));
        };
        let mut fields = async_graphql::indexmap::IndexMap::new();
        for (field, meta) in input_fields {
            let values = self.take_all(field);
            if values.is_empty() {
                continue;
            }
            let value = match MetaTypeName::create(&meta.ty).unwrap_non_null() {
                MetaTypeName::List(item) => Value::List(
                    values
                        .iter()
                        .map(|v| scalar(&registry, field, item, v))
                        .collect::<Result<_, _>>()?,
                ),
                _ if values.len() > 1 => {
                    return Err(AppError::bad_input(field.as_str(), "takes one value"));
                }
                _ => scalar(&registry, field, &meta.ty, &values[0])?,
            };
            fields.insert(Name::new(field), value);
        }
        T::parse(Some(Value::Object(fields))).map_err(|e| {
            let message = e.into_server_error(Default::default()).message;
            AppError::bad_input(name.as_str(), message)
        })
    }

    /// A list of an API enum (e.g. `groupBy`).
    pub fn list<T: InputType>(&mut self, name: &str) -> Result<Vec<T>, AppError> {
        let values = self.take_all(name);
        let mut registry = Registry::default();
        let ty = T::create_type_info(&mut registry);
        let items = values
            .iter()
            .filter(|v| !v.is_empty())
            .map(|v| scalar(&registry, name, &ty, v))
            .collect::<Result<Vec<_>, _>>()?;
        Vec::<T>::parse(Some(Value::List(items)))
            .map_err(|e| AppError::bad_input(name, e.into_server_error(Default::default()).message))
    }

    /// Fails on any parameter not read.
    pub fn finish(self, known: &[&str]) -> Result<(), AppError> {
        match self.0.first() {
            None => Ok(()),
            Some((k, _)) => Err(AppError::bad_input(
                k.as_str(),
                format!("unknown parameter; known: {}", known.join(", ")),
            )),
        }
    }
}

/// The names of an input object's fields, for messages.
pub fn field_names<T: InputType>() -> Vec<String> {
    let mut registry = Registry::default();
    let name = T::create_type_info(&mut registry);
    match registry.types.get(MetaTypeName::concrete_typename(&name)) {
        Some(MetaType::InputObject { input_fields, .. }) => input_fields.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// One parameter value as the GraphQL value of type `ty`.
fn scalar(registry: &Registry, field: &str, ty: &str, raw: &str) -> Result<Value, AppError> {
    let base = MetaTypeName::concrete_typename(ty);
    let bad = |what: &str| AppError::bad_input(field, format!("`{raw}` is not {what}"));
    Ok(match base {
        "Int" => Value::from(raw.parse::<i64>().map_err(|_| bad("a whole number"))?),
        "Boolean" => match raw {
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            _ => return Err(bad("`true` or `false`")),
        },
        "String" | "ID" => Value::String(raw.to_string()),
        _ => match registry.types.get(base) {
            Some(MetaType::Enum { enum_values, .. }) => {
                if !enum_values.contains_key(raw) {
                    let known: Vec<&str> = enum_values.keys().map(|k| k.as_str()).collect();
                    return Err(AppError::bad_input(
                        field,
                        format!("`{raw}` is not one of {}", known.join(", ")),
                    ));
                }
                Value::Enum(Name::new(raw))
            }
            _ => Value::String(raw.to_string()),
        },
    })
}
