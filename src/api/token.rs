//! The bearer token. It is never printed: `Debug` and `Display` mask it.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().trim().to_string())
    }

    /// The secret itself, for the `Authorization` header and the keyring only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters, as `auth status` shows them.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        if n <= 8 {
            return "****".into();
        }
        let tail: String = self.0.chars().skip(n - 4).collect();
        format!("****{tail}")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let t = Token::new("pit-1234567890abcdef");
        assert!(!format!("{t:?} {t}").contains("1234567890"));
        assert_eq!(t.masked(), "****cdef");
        assert_eq!(Token::new("short").masked(), "****");
    }
}
