//! A validator for the OpenAPI 3.0 schema subset the HighLevel spec files
//! use: type, properties, required, items, enum, nullable, allOf, anyOf,
//! oneOf, additionalProperties, and `$ref`s within and across files.
//!
//! Written here rather than taken from a JSON Schema crate because OpenAPI
//! 3.0's `nullable` is not JSON Schema: a JSON Schema validator would call a
//! `null` in a nullable field an error, and accept `null` where Prism (and
//! the real spec) does not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub struct Spec {
    root: PathBuf,
    files: HashMap<String, Value>,
}

impl Spec {
    /// Loads spec files relative to `root` (a folder laid out like upstream).
    pub fn load(root: &Path, files: &[&str]) -> Spec {
        let mut spec = Spec {
            root: root.to_path_buf(),
            files: HashMap::new(),
        };
        for f in files {
            spec.file(f);
        }
        spec
    }

    fn file(&mut self, rel: &str) -> &Value {
        if !self.files.contains_key(rel) {
            let path = self.root.join(rel);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let v: Value = serde_json::from_str(&text).expect("spec files are JSON");
            self.files.insert(rel.to_string(), v);
        }
        &self.files[rel]
    }

    /// The response schema of an operation for a status, as (file, schema).
    pub fn response_schema(
        &mut self,
        file: &str,
        method: &str,
        path: &str,
        status: u16,
    ) -> Option<(String, Value)> {
        let doc = self.file(file).clone();
        let op = doc.get("paths")?.get(path)?.get(method.to_lowercase())?;
        let schema = op
            .get("responses")?
            .get(status.to_string())?
            .get("content")?
            .get("application/json")?
            .get("schema")?
            .clone();
        Some((file.to_string(), schema))
    }

    /// Whether the spec declares this status for the operation at all.
    pub fn declares(&mut self, file: &str, method: &str, path: &str, status: u16) -> bool {
        let doc = self.file(file);
        doc.pointer(&format!(
            "/paths/{}/{}/responses/{status}",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_lowercase()
        ))
        .is_some()
    }

    /// A named component schema.
    pub fn component(&mut self, file: &str, name: &str) -> (String, Value) {
        let v = self
            .file(file)
            .pointer(&format!("/components/schemas/{name}"))
            .unwrap_or_else(|| panic!("{file} has no schema {name}"))
            .clone();
        (file.to_string(), v)
    }

    /// Every way `value` breaks `schema` (declared in `file`), with JSON paths.
    pub fn validate(&mut self, file: &str, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(file, schema, value, "$", &mut errors);
        errors
    }

    fn resolve(&mut self, file: &str, reference: &str) -> (String, Value) {
        let (target_file, pointer) = match reference.split_once('#') {
            Some(("", p)) => (file.to_string(), p.to_string()),
            Some((f, p)) => (join(file, f), p.to_string()),
            None => (join(file, reference), String::new()),
        };
        let doc = self.file(&target_file);
        let v = doc
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("unresolved $ref {reference} from {file}"))
            .clone();
        (target_file, v)
    }

    fn check(
        &mut self,
        file: &str,
        schema: &Value,
        value: &Value,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let (f, s) = self.resolve(file, r);
            return self.check(&f, &s, value, at, errors);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all.clone() {
                self.check(file, &s, value, at, errors);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let matched = options.clone().iter().any(|s| {
                    let mut e = Vec::new();
                    self.check(file, s, value, at, &mut e);
                    e.is_empty()
                });
                if !matched {
                    errors.push(format!("{at}: matches none of {key}"));
                }
            }
        }
        if value.is_null() {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
            if !nullable && schema.get("type").is_some() {
                errors.push(format!("{at}: null is not allowed (not nullable)"));
            }
            return;
        }
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "number" => value.is_number(),
                "integer" => value.is_i64() || value.is_u64(),
                "boolean" => value.is_boolean(),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: expected {t}, got {}", kind(value)));
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let Some(obj) = value.as_object() {
            let props = schema
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = req.as_str()
                    && !obj.contains_key(name)
                {
                    errors.push(format!("{at}: missing required {name}"));
                }
            }
            for (k, v) in obj {
                match props.get(k) {
                    Some(s) => self.check(file, s, v, &format!("{at}.{k}"), errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: unexpected property {k}"))
                        }
                        Some(s @ Value::Object(_)) => {
                            let s = s.clone();
                            self.check(file, &s, v, &format!("{at}.{k}"), errors)
                        }
                        _ => {}
                    },
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
            let items = items.clone();
            for (i, v) in arr.iter().enumerate() {
                self.check(file, &items, v, &format!("{at}[{i}]"), errors);
            }
        }
    }
}

fn join(from_file: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = from_file.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
