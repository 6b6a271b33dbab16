//! The config file: defaults embedded from `assets/config.toml`, the user's
//! file merged over them. Lookup: `$ROLO_CONFIG`, else the platform config
//! dir (`~/.config/rolo/config.toml` on Linux). rolo never writes it.
//!
//! Bad config never crashes: every problem names the file, the line and
//! column where it can, what was expected, and the closest valid name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

use crate::keymap::{Action, Keymap};
use crate::theme::Theme;

const DEFAULTS: &str = include_str!("../assets/config.toml");

/// One string or a list of them (`quit = "q"` or `quit = ["q", "ctrl-c"]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiFile {
    pub theme: Option<String>,
    pub timezone: Option<String>,
    pub web_url: Option<String>,
    pub colors: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiFile {
    pub rate_limit: Option<u32>,
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub location_id: Option<String>,
    pub base_url: Option<String>,
    pub accent: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    /// The email of the HighLevel user this profile acts for ("me" in
    /// `assigned:me`, Today's mine): a Private Integration token names no
    /// user.
    pub user: Option<String>,
}

/// The file as written: everything optional, nothing unknown.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub ui: UiFile,
    #[serde(default)]
    pub api: ApiFile,
    #[serde(default)]
    pub keys: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileFile>,
}

impl ConfigFile {
    /// `other` over `self`: set values win, tables merge key by key.
    fn merge(mut self, other: ConfigFile) -> ConfigFile {
        self.default_profile = other.default_profile.or(self.default_profile);
        self.ui.theme = other.ui.theme.or(self.ui.theme);
        self.ui.timezone = other.ui.timezone.or(self.ui.timezone);
        self.ui.web_url = other.ui.web_url.or(self.ui.web_url);
        let mut colors = self.ui.colors.unwrap_or_default();
        colors.extend(other.ui.colors.unwrap_or_default());
        self.ui.colors = Some(colors);
        self.api.rate_limit = other.api.rate_limit.or(self.api.rate_limit);
        self.api.timeout_secs = other.api.timeout_secs.or(self.api.timeout_secs);
        self.keys.extend(other.keys);
        self.profiles.extend(other.profiles);
        self
    }
}

/// A problem with the config, said so a person can fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
// The message quotes the file's own keys and values: sanitized, since a
// config can hold any text (and the path too).
#[error("{}", crate::text::sanitize(&match (&self.path, self.line) {
    (Some(p), Some(l)) => format!("{}:{l}:{}: {}", p.display(), self.column.unwrap_or(1), self.message),
    (Some(p), None) => format!("{}: {}", p.display(), self.message),
    (None, _) => self.message.clone(),
}))]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// The closest of `candidates` to `word`, if any is close.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates.iter().copied()) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => format!("; expected one of: {}", candidates.join(", ")),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The line where `key = …` is first written under `[table]` (for errors
/// found after parsing).
fn line_of(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut in_table = table.is_empty();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            in_table = t.trim_matches(['[', ']']).trim() == table;
            continue;
        }
        let k = t.split('=').next().unwrap_or("").trim().trim_matches('"');
        if in_table && k == key {
            return Some(i + 1);
        }
    }
    None
}

fn parse(text: &str, path: Option<&Path>) -> Result<ConfigFile, ConfigError> {
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        let mut message = e.message().trim().to_string();
        // "unknown field `colr`, expected one of `a`, `b`": name the closest.
        if let Some(rest) = message.strip_prefix("unknown field `")
            && let Some((field, expected)) = rest.split_once("`, expected ")
        {
            let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            if let Some(c) = closest(field, options.iter().copied()) {
                message = format!("unknown field `{field}`; did you mean `{c}`?");
            }
        }
        ConfigError {
            path: path.map(Path::to_path_buf),
            line,
            column,
            message,
        }
    })
}

/// Where rolo reads its config from: `$ROLO_CONFIG`, else the platform's
/// config dir.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ROLO_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "rolo").map(|d| d.config_dir().join("config.toml"))
}

/// Where logs go: a file in the platform's state (or local data) dir.
pub fn log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "rolo")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("rolo.log"))
}

/// The HighLevel web app's page for a contact.
pub const DEFAULT_WEB_URL: &str =
    "https://app.gohighlevel.com/v2/location/{location}/contacts/detail/{contact}";

/// A profile and the location its config names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePlace {
    pub profile: String,
    pub location_id: String,
    pub user: Option<String>,
}

/// The settings in force for one run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Option<String>,
    /// Every profile the config defines.
    pub profiles: Vec<String>,
    /// Each profile's location, where the config names one, with the
    /// profile's user: what `rolo find --all` labels a location's rows with.
    pub profile_locations: Vec<ProfilePlace>,
    pub location_id: Option<String>,
    pub base_url: Option<String>,
    pub read_only: bool,
    /// The profile's user, by email (see [`ProfileFile::user`]).
    pub user: Option<String>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// The zone for due dates; `None` follows the location's own.
    pub zone: Option<crate::zone::Zone>,
    pub web_url: String,
    pub rate_limit: u32,
    pub timeout_secs: u64,
}

fn color(
    name: &str,
    key: &str,
    text: &str,
    path: Option<&Path>,
    table: &str,
) -> Result<Color, ConfigError> {
    Color::from_str(name).map_err(|_| {
        const NAMES: &[&str] = &[
            "black",
            "red",
            "green",
            "yellow",
            "blue",
            "magenta",
            "cyan",
            "gray",
            "darkgray",
            "lightred",
            "lightgreen",
            "lightyellow",
            "lightblue",
            "lightmagenta",
            "lightcyan",
            "white",
        ];
        ConfigError {
            path: path.map(Path::to_path_buf),
            line: line_of(text, table, key),
            column: None,
            message: format!(
                "`{key} = \"{name}\"` is not a colour (a name, \"#rrggbb\" or 0-255){}",
                did_you_mean(name, NAMES)
            ),
        }
    })
}

/// Resolves the merged file into settings for `profile` (or the default
/// one). `no_color` is whether `NO_COLOR` is set.
pub fn resolve(
    file: ConfigFile,
    profile: Option<&str>,
    no_color: bool,
    text: &str,
    path: Option<&Path>,
) -> Result<Settings, ConfigError> {
    let err = |line: Option<usize>, message: String| ConfigError {
        path: path.map(Path::to_path_buf),
        line,
        column: None,
        message,
    };
    let chosen = profile.map(str::to_string).or(file.default_profile.clone());
    let prof = match &chosen {
        None => ProfileFile::default(),
        Some(name) => match file.profiles.get(name) {
            Some(p) => p.clone(),
            None => {
                let names: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
                let hint = if names.is_empty() {
                    format!("; add a [profiles.{name}] table")
                } else {
                    did_you_mean(name, &names)
                };
                return Err(err(
                    line_of(text, "", "default_profile"),
                    format!("no profile named `{name}`{hint}"),
                ));
            }
        },
    };

    let mut keymap = Keymap::default();
    for (name, keys) in file.keys {
        let Some(action) = Action::from_name(&name) else {
            let names: Vec<String> = crate::keymap::DEFAULTS
                .iter()
                .map(|d| d.action.name())
                .collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            return Err(err(
                line_of(text, "keys", &name),
                format!(
                    "[keys]: no action named `{name}`{}",
                    did_you_mean(&name, &refs)
                ),
            ));
        };
        keymap
            .rebind(action, keys.into_vec())
            .map_err(|m| err(line_of(text, "keys", &name), format!("[keys] {name}: {m}")))?;
    }

    let colors = file.ui.colors.unwrap_or_default();
    const COLOR_KEYS: &[&str] = &[
        "accent",
        "highlight",
        "tag",
        "overdue",
        "due_today",
        "selected_bg",
    ];
    let mut palette = BTreeMap::new();
    for (k, v) in &colors {
        if !COLOR_KEYS.contains(&k.as_str()) {
            return Err(err(
                line_of(text, "ui.colors", k),
                format!(
                    "[ui.colors]: no colour named `{k}`{}",
                    did_you_mean(k, COLOR_KEYS)
                ),
            ));
        }
        palette.insert(k.as_str(), color(v, k, text, path, "ui.colors")?);
    }
    if let Some(accent) = &prof.accent {
        let table = format!("profiles.{}", chosen.as_deref().unwrap_or(""));
        palette.insert("accent", color(accent, "accent", text, path, &table)?);
    }
    let theme_name = file.ui.theme.unwrap_or_else(|| "default".into());
    let monochrome = match theme_name.as_str() {
        "default" => no_color,
        "monochrome" => true,
        other => {
            return Err(err(
                line_of(text, "ui", "theme"),
                format!(
                    "[ui] theme: no theme named `{other}`{}",
                    did_you_mean(other, &["default", "monochrome"])
                ),
            ));
        }
    };
    let theme = if monochrome {
        Theme::monochrome()
    } else {
        Theme::from_palette(&palette)
    };

    // Unset (or "location"): the location's own zone, as HighLevel gives it.
    let zone = match file.ui.timezone.as_deref().map(str::trim) {
        None => None,
        Some(tz) if tz.eq_ignore_ascii_case("location") => None,
        Some(tz) => Some(crate::zone::Zone::parse(tz).ok_or_else(|| {
            err(
                line_of(text, "ui", "timezone"),
                format!(
                    "[ui] timezone: `{tz}` is not a zone: use \"location\" (the default), an IANA name like \"America/Chicago\", \"local\", \"utc\" or an offset like \"+02:00\""
                ),
            )
        })?),
    };

    let web_url = file.ui.web_url.unwrap_or_else(|| DEFAULT_WEB_URL.into());
    if !web_url.contains("{contact}") {
        return Err(err(
            line_of(text, "ui", "web_url"),
            "[ui] web_url must contain {contact} (and usually {location})".into(),
        ));
    }
    let rate_limit = file.api.rate_limit.unwrap_or(95);
    if !(1..=100).contains(&rate_limit) {
        return Err(err(
            line_of(text, "api", "rate_limit"),
            format!(
                "[api] rate_limit: {rate_limit} is outside 1-100 (HighLevel allows 100 per 10 s)"
            ),
        ));
    }
    Ok(Settings {
        profiles: file.profiles.keys().cloned().collect(),
        profile_locations: file
            .profiles
            .iter()
            .filter_map(|(name, p)| {
                Some(ProfilePlace {
                    profile: name.clone(),
                    location_id: p.location_id.clone().filter(|l| !l.trim().is_empty())?,
                    user: p.user.clone().filter(|u| !u.trim().is_empty()),
                })
            })
            .collect(),
        profile: chosen,
        location_id: prof.location_id,
        base_url: prof.base_url,
        read_only: prof.read_only,
        user: prof
            .user
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
        keymap,
        theme,
        zone,
        web_url,
        rate_limit,
        timeout_secs: file.api.timeout_secs.unwrap_or(30).max(1),
    })
}

/// Reads a yes/no setting the usual ways: `1`, `true`, `yes`, `on`, `y`,
/// `t` and `0`, `false`, `no`, `off`, `n`, `f`, in any case. An empty
/// value is no.
pub fn parse_boolish(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Ok(true),
        "" | "0" | "false" | "no" | "off" | "n" | "f" => Ok(false),
        other => Err(format!(
            "{:?} is not yes or no (use 1 or 0, true or false)",
            crate::text::sanitize(other)
        )),
    }
}

/// A yes/no environment variable, read as [`parse_boolish`] does (the
/// command line refuses any other value before this is asked).
pub fn env_flag(name: &str) -> bool {
    std::env::var(name)
        .ok()
        .and_then(|v| parse_boolish(&v).ok())
        .unwrap_or(false)
}

/// The most a config file may hold: far more than any real one, and a
/// bound on what `/dev/zero` or a mistaken path can make rolo read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

fn read_capped(p: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let fail = |message: String| ConfigError {
        path: Some(p.to_path_buf()),
        line: None,
        column: None,
        message,
    };
    let file = std::fs::File::open(p).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(fail(format!(
            "it is larger than {} KiB, the most a config file may be",
            MAX_CONFIG_BYTES / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))
}

/// Resolves a config file's text over the defaults, as [`load`] does for
/// a file: what property tests feed arbitrary text.
pub fn load_str(
    text: &str,
    profile: Option<&str>,
    no_color: bool,
) -> Result<Settings, ConfigError> {
    let defaults = parse(DEFAULTS, None)?;
    let file = parse(text, None)?;
    resolve(defaults.merge(file), profile, no_color, text, None)
}

/// Reads the defaults and the user's file (if any) and resolves them.
pub fn load(
    path: Option<&Path>,
    profile: Option<&str>,
    no_color: bool,
) -> Result<Settings, ConfigError> {
    let defaults = parse(DEFAULTS, None).map_err(|e| ConfigError {
        message: format!("the built-in defaults are broken: {e}"),
        ..e
    })?;
    let (file, text) = match path {
        Some(p) if p.exists() => {
            let text = read_capped(p)?;
            (parse(&text, Some(p))?, text)
        }
        _ => (ConfigFile::default(), String::new()),
    };
    resolve(defaults.merge(file), profile, no_color, &text, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Zone;
    use chrono::FixedOffset;

    fn load_text(text: &str, profile: Option<&str>) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!(
            "rolo-config-test-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        let r = load(Some(&path), profile, false);
        let _ = std::fs::remove_dir_all(&dir);
        r
    }

    #[test]
    fn yes_and_no_read_the_usual_ways() {
        for yes in ["1", "true", "TRUE", "yes", "on", "y"] {
            assert_eq!(parse_boolish(yes), Ok(true), "{yes}");
        }
        for no in ["", "0", "false", "False", "no", "off", "n"] {
            assert_eq!(parse_boolish(no), Ok(false), "{no}");
        }
        assert!(parse_boolish("maybe").is_err());
    }

    #[test]
    fn an_endless_file_is_refused_with_the_limit_named() {
        let e = load(Some(Path::new("/dev/zero")), None, false).unwrap_err();
        assert!(e.to_string().contains("larger than 1024 KiB"), "{e}");
    }

    #[test]
    fn errors_quote_hostile_keys_harmlessly() {
        let e = load_text("\"\\u001b]0;pwned\\u0007\" = 1\n", None).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("unknown field"), "{shown}");
        assert!(!shown.chars().any(crate::text::is_unsafe), "{shown:?}");
    }

    #[test]
    fn defaults_parse_and_resolve() {
        let s = load(None, None, false).unwrap();
        assert_eq!(s.rate_limit, 95);
        assert!(!s.read_only);
        assert_eq!(s.keymap, Keymap::default());
        assert_eq!(s.zone, None, "the location's zone by default");
    }

    #[test]
    fn the_user_file_merges_over_the_defaults() {
        let s = load_text(
            r#"
default_profile = "acme"
[ui]
timezone = "+02:00"
[ui.colors]
tag = "green"
[api]
rate_limit = 50
[keys]
today = "ctrl-t"
[profiles.acme]
location_id = "loc-acme"
accent = "magenta"
read_only = true
[profiles.other]
location_id = "loc-other"
"#,
            None,
        )
        .unwrap();
        assert_eq!(s.profile.as_deref(), Some("acme"));
        assert_eq!(s.location_id.as_deref(), Some("loc-acme"));
        assert!(s.read_only);
        assert_eq!(s.rate_limit, 50);
        assert_eq!(s.zone, FixedOffset::east_opt(7200).map(Zone::Fixed));
        assert_eq!(s.keymap.key_for(Action::Today), "ctrl-t");
        assert_eq!(s.theme.tag.fg, Some(Color::Green));
        assert_eq!(
            s.theme.accent.fg,
            Some(Color::Magenta),
            "the profile's accent wins"
        );
        assert_eq!(s.timeout_secs, 30, "unset values keep their defaults");
        let other = load_text("[profiles.other]\nlocation_id = \"x\"\n", Some("other")).unwrap();
        assert_eq!(other.location_id.as_deref(), Some("x"));
    }

    #[test]
    fn a_syntax_error_names_the_file_line_and_column() {
        let e = load_text("[ui]\ntheme = \"default\"\ntimezone = \n", None).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("config.toml:3:"), "{shown}");
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn unknown_names_get_the_closest_valid_one() {
        let e = load_text("[ui]\nthem = \"default\"\n", None).unwrap_err();
        assert!(e.to_string().contains("did you mean `theme`"), "{e}");
        assert_eq!(e.line, Some(2));
        let e = load_text("[keys]\ntodya = \"x\"\n", None).unwrap_err();
        assert!(
            e.to_string()
                .contains("no action named `todya`; did you mean `today`"),
            "{e}"
        );
        assert_eq!(e.line, Some(2));
        let e = load_text("[ui.colors]\naccent = \"cyna\"\n", None).unwrap_err();
        assert!(e.to_string().contains("did you mean `cyan`"), "{e}");
        let e = load_text("default_profile = \"acem\"\n[profiles.acme]\n", None).unwrap_err();
        assert!(e.to_string().contains("did you mean `acme`"), "{e}");
        let e = load_text("[ui]\ntheme = \"monocrome\"\n", None).unwrap_err();
        assert!(e.to_string().contains("did you mean `monochrome`"), "{e}");
    }

    #[test]
    fn bad_values_are_explained() {
        let s = load_text("[ui]\ntimezone = \"Europe/Oslo\"\n", None).unwrap();
        assert_eq!(s.zone, Zone::parse("Europe/Oslo"));
        let s = load_text("[ui]\ntimezone = \"location\"\n", None).unwrap();
        assert_eq!(s.zone, None);
        let s = load_text("[ui]\ntimezone = \"local\"\n", None).unwrap();
        assert_eq!(s.zone, Some(Zone::Local));
        let e = load_text("[ui]\ntimezone = \"Europe/Olso\"\n", None).unwrap_err();
        assert!(e.to_string().contains("IANA name"), "{e}");
        assert_eq!(e.line, Some(2), "{e}");
        let e = load_text("[api]\nrate_limit = 500\n", None).unwrap_err();
        assert!(e.to_string().contains("outside 1-100"), "{e}");
        let e = load_text("[keys]\ntoday = \"q\"\n", None).unwrap_err();
        assert!(e.to_string().contains("already bound to quit"), "{e}");
        let e = load_text("[api]\nrate_limit = \"fast\"\n", None).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn no_color_means_monochrome() {
        let s = load(None, None, true).unwrap();
        assert_eq!(s.theme, Theme::monochrome());
        assert!(s.theme.accent.fg.is_none());
    }
}
