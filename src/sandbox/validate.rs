//! Request-body checks in the style of HighLevel's NestJS validators: a
//! whitelist of properties, types, required fields, and a message per
//! problem ("title must be a string", "property foo should not exist").

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    /// A string or `null` (the spec's `nullable: true`).
    NullableStr,
    Bool,
    Number,
    StrArray,
    Array,
    Object,
    /// `dateOfBirth`: typed `object|null` in the spec.
    NullableObject,
    /// An ISO 8601 date string.
    IsoDate,
    /// A syntactically valid email, or `null`.
    NullableEmail,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

pub const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

pub const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

/// Checks `body` against `fields`; the object on success, every problem
/// otherwise.
pub fn check<'a>(body: &'a Value, fields: &[Field]) -> Result<&'a Map<String, Value>, Vec<String>> {
    let Some(obj) = body.as_object() else {
        return Err(vec!["request body must be a JSON object".into()]);
    };
    let mut problems = Vec::new();
    for key in obj.keys() {
        if !fields.iter().any(|f| f.name == key) {
            problems.push(format!("property {key} should not exist"));
        }
    }
    for f in fields {
        match obj.get(f.name) {
            None => {
                if f.required {
                    problems.push(format!("{} should not be empty", f.name));
                    problems.push(type_message(f));
                }
            }
            Some(v) => {
                if !kind_matches(f.kind, v) {
                    problems.push(type_message(f));
                } else if f.required && v.as_str().is_some_and(|s| s.trim().is_empty()) {
                    problems.push(format!("{} should not be empty", f.name));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(obj)
    } else {
        Err(problems)
    }
}

fn kind_matches(kind: Kind, v: &Value) -> bool {
    match kind {
        Kind::Str => v.is_string(),
        Kind::NullableStr => v.is_string() || v.is_null(),
        Kind::Bool => v.is_boolean(),
        Kind::Number => v.is_number(),
        Kind::StrArray => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::Array => v.is_array(),
        Kind::Object => v.is_object(),
        Kind::NullableObject => v.is_object() || v.is_null(),
        Kind::IsoDate => v
            .as_str()
            .is_some_and(|s| crate::api::model::parse_timestamp(s).is_some() || is_date(s)),
        Kind::NullableEmail => {
            v.is_null() || v.as_str().is_some_and(|s| s.is_empty() || is_email(s))
        }
    }
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn type_message(f: &Field) -> String {
    let n = f.name;
    match f.kind {
        Kind::Str | Kind::NullableStr => format!("{n} must be a string"),
        Kind::Bool => format!("{n} must be a boolean value"),
        Kind::Number => format!("{n} must be a number conforming to the specified constraints"),
        Kind::StrArray => format!("each value in {n} must be a string"),
        Kind::Array => format!("{n} must be an array"),
        Kind::Object | Kind::NullableObject => format!("{n} must be an object"),
        Kind::IsoDate => format!("{n} must be a valid ISO 8601 date string"),
        Kind::NullableEmail => format!("{n} must be an email"),
    }
}

pub use crate::input::is_email;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TASK: &[Field] = &[
        req("title", Kind::Str),
        opt("body", Kind::Str),
        req("dueDate", Kind::IsoDate),
        req("completed", Kind::Bool),
    ];

    #[test]
    fn messages_like_the_server() {
        let err = check(&json!({"title": "", "dueDate": "soon", "extra": 1}), TASK).unwrap_err();
        assert_eq!(
            err,
            vec![
                "property extra should not exist",
                "title should not be empty",
                "dueDate must be a valid ISO 8601 date string",
                "completed should not be empty",
                "completed must be a boolean value",
            ]
        );
        assert!(
            check(
                &json!({"title": "t", "dueDate": "2026-12-01T10:00:00.000Z", "completed": false}),
                TASK
            )
            .is_ok()
        );
    }
}
