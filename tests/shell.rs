//! The shell commands, run as the real binary against a sandbox: every
//! command, each exit code, `--json` parsed back, an ambiguous query.

mod support;

use std::io::Write;
use std::process::{Output, Stdio};

use serde_json::Value;

struct Shell {
    sandbox: rolo::sandbox::Sandbox,
    _runtime: tokio::runtime::Runtime,
    home: std::path::PathBuf,
}

impl Shell {
    fn new() -> Shell {
        Shell::with_contacts(120)
    }

    fn with_contacts(n: usize) -> Shell {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sandbox = runtime.block_on(support::sandbox(support::config(n)));
        let home = std::env::temp_dir().join(format!(
            "rolo-shell-{}-{}",
            std::process::id(),
            fastrand::u32(..)
        ));
        Shell {
            sandbox,
            _runtime: runtime,
            home,
        }
    }

    fn run_with(&self, args: &[&str], token: &str, input: Option<&str>) -> Output {
        self.run_at(&self.sandbox.base_url(), args, token, input)
    }

    /// Runs against `base_url` (a closed port plays HighLevel unreachable).
    fn run_at(&self, base_url: &str, args: &[&str], token: &str, input: Option<&str>) -> Output {
        let mut c = support::hermetic_rolo(&self.home);
        c.args(args)
            .env("ROLO_TOKEN", token)
            .env("ROLO_BASE_URL", base_url)
            .env("ROLO_LOCATION_ID", support::LOCATION)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Some(i) = input {
            stdin.write_all(i.as_bytes()).unwrap();
        }
        drop(stdin);
        child.wait_with_output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, support::TOKEN, None)
    }
}

/// A field (`name`, `email`) of the sandbox's user `id`.
fn user_field(sh: &Shell, id: &str, field: &str) -> String {
    let users = sh.sandbox.with_store(|s| {
        s.users_by_location(&std::collections::HashMap::from([(
            "locationId".to_string(),
            support::LOCATION.to_string(),
        )]))
        .unwrap()
        .body
    });
    users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .and_then(|u| u[field].as_str())
        .unwrap()
        .to_string()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// A contact with a unique two-word ASCII name.
fn unique(sh: &Shell) -> (String, String) {
    sh.sandbox.with_store(|s| {
        let ids = s.contact_ids();
        let name = |id: &String| {
            s.contact(id).unwrap()["name"]
                .as_str()
                .unwrap_or("")
                .to_string()
        };
        let names: Vec<String> = ids.iter().map(name).collect();
        ids.iter()
            .zip(&names)
            .find(|(_, n)| {
                n.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
                    && names.iter().filter(|m| m == n).count() == 1
            })
            .map(|(id, n)| (id.clone(), n.clone()))
            .unwrap()
    })
}

#[test]
fn find_and_query_print_lines_and_json() {
    let sh = Shell::new();
    let (id, name) = unique(&sh);
    let out = sh.run(&["find", &name]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.lines().next().unwrap().starts_with(&id), "{stdout}");
    let out = sh.run(&["find", &name, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v[0]["id"], id.as_str());
    assert!(v[0].get("firstName").is_some(), "API field names");
    let out = sh.run(&["find", "zzqqxx"]);
    assert_eq!(out.status.code(), Some(1));
    let out = sh.run(&["query", &name]);
    let (stdout, _) = text(&out);
    let mut lines = stdout.lines();
    assert!(
        lines.next().unwrap().starts_with("rolo:"),
        "a first line, as mutt expects"
    );
    let row: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(row.len(), 3);
    assert!(row[0].contains('@'));
    assert_eq!(row[1], name);
}

#[test]
fn show_a_card_and_refuse_an_ambiguous_query() {
    let sh = Shell::new();
    let (id, name) = unique(&sh);
    let out = sh.run(&["show", &id]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with(&name), "{stdout}");
    assert!(
        stdout.contains("Open tasks")
            && stdout.contains("Recent notes")
            && stdout.contains("Upcoming appointments")
    );
    let out = sh.run(&["show", &id, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["contact"]["id"], id.as_str());
    assert!(v["tasks"].is_array() && v["notes"].is_array() && v["appointments"].is_array());
    // One letter matches many contacts: listed, and exit 1.
    let out = sh.run(&["show", "a"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("say which"), "{stderr}");
}

#[test]
fn today_lists_due_tasks() {
    let sh = Shell::new();
    // Far more open tasks than one page holds: Today must page to the end.
    let ids = sh.sandbox.with_store(|s| s.contact_ids());
    sh.sandbox.with_store(|s| {
        for i in 0..1_200 {
            let cid = &ids[i % ids.len()];
            s.create_child(
                rolo::sandbox::contacts::Child::Task,
                cid,
                &serde_json::json!({
                    "title": format!("Bulk overdue {i}"),
                    "dueDate": "2026-01-05T10:00:00.000Z",
                    "completed": false,
                }),
            )
            .unwrap();
        }
    });
    // What Today must list: every open task due by the end of the day in
    // the location's zone (which rolo follows when the config names none;
    // at 01:00 UTC Chicago is still on the day before), and nothing due
    // later (the seed has tasks due in days).
    let zone = chrono_tz::America::Chicago;
    let end = chrono::Utc::now()
        .with_timezone(&zone)
        .date_naive()
        .and_hms_opt(23, 59, 59)
        .unwrap()
        .and_local_timezone(zone)
        .single()
        .unwrap()
        .with_timezone(&chrono::Utc);
    let expected: std::collections::BTreeSet<String> = sh.sandbox.with_store(|s| {
        ids.iter()
            .flat_map(|c| s.tasks_of(c).to_vec())
            .filter(|t| t["completed"] == false)
            .filter(|t| {
                t["dueDate"]
                    .as_str()
                    .and_then(rolo::api::model::parse_timestamp)
                    .is_some_and(|d| d <= end)
            })
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    });
    assert!(expected.len() > 1_200);
    let later = sh.sandbox.with_store(|s| {
        ids.iter()
            .flat_map(|c| s.tasks_of(c).to_vec())
            .filter(|t| t["completed"] == false)
            .count()
    }) - expected.len();
    assert!(
        later > 0,
        "the seed has open tasks due after today, to leave out"
    );
    let out = sh.run(&["today", "--json"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: std::collections::BTreeSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed.len(), v.as_array().unwrap().len(), "no task twice");
    assert_eq!(listed, expected);
    let out = sh.run(&["today"]);
    assert!(out.status.success());
    assert!(text(&out).0.contains("Bulk overdue 1199"));
}

#[test]
fn write_verbs_change_the_server() {
    let sh = Shell::new();
    let (id, name) = unique(&sh);
    let out = sh.run(&[
        "task",
        "add",
        &name,
        "--title",
        "From the shell",
        "--due",
        "tomorrow 10am",
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let task = sh.sandbox.with_store(|s| {
        s.tasks_of(&id)
            .iter()
            .find(|t| t["title"] == "From the shell")
            .map(|t| t["id"].as_str().unwrap().to_string())
    });
    let task = task.expect("the task is on the server");
    let out = sh.run(&["task", "done", &id, &task]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(sh.sandbox.with_store(|s| {
        s.tasks_of(&id)
            .iter()
            .any(|t| t["id"] == task.as_str() && t["completed"] == true)
    }));

    let out = sh.run(&["tag", "add", &id, "shell-a", "shell-b"]);
    assert!(out.status.success());
    let out = sh.run(&["tag", "rm", &id, "shell-a"]);
    assert!(out.status.success());
    let tags = sh
        .sandbox
        .with_store(|s| s.contact(&id).unwrap()["tags"].to_string());
    assert!(
        tags.contains("shell-b") && !tags.contains("shell-a"),
        "{tags}"
    );

    let out = sh.run_with(
        &["note", "add", &id],
        support::TOKEN,
        Some("Piped in from stdin\nsecond line\n"),
    );
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(sh.sandbox.with_store(|s| {
        s.notes_of(&id)
            .iter()
            .any(|n| n["body"] == "Piped in from stdin\nsecond line")
    }));

    let out = sh.run(&["task", "add", &id, "--title", "x", "--due", "someday"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad due date is a usage error"
    );
}

#[test]
fn exit_codes_for_auth_network_config_and_usage() {
    let sh = Shell::new();
    let out = sh.run_with(&["find", "ada"], "not-a-valid-token", None);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).1.contains("rolo auth login"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let out = support::hermetic_rolo(&sh.home)
        .args(["find", "ada"])
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", format!("http://{addr}"))
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .env("ROLO_CONFIG", sh.home.join("none.toml"))
        .env("XDG_STATE_HOME", sh.home.join("state"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{:?}", text(&out));
    assert!(text(&out).1.contains("127.0.0.1"));

    std::fs::create_dir_all(&sh.home).unwrap();
    let bad = sh.home.join("bad.toml");
    std::fs::write(&bad, "[ui]\nthem = 1\n").unwrap();
    let out = support::hermetic_rolo(&sh.home)
        .args(["today"])
        .env("ROLO_CONFIG", &bad)
        .env("ROLO_TOKEN", support::TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("did you mean `theme`"));

    let out = sh.run(&["tag", "frobnicate", "x", "y"]);
    assert_eq!(out.status.code(), Some(2), "clap's usage errors are 2");
    let _ = std::fs::remove_dir_all(&sh.home);
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let sh = Shell::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = support::hermetic_rolo(&sh.home)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains("rolo") && s.contains("today"), "{shell}: {s}");
    }
    let out = support::hermetic_rolo(&sh.home)
        .arg("man")
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains(".TH rolo") && s.contains("find"), "{s}");
}

#[test]
fn due_dates_follow_daylight_saving_in_the_local_zone() {
    // Today (November) Chicago is UTC-6; on 2027-03-20 it is UTC-5. A due
    // time typed for that date must use that date's offset.
    if !std::path::Path::new("/usr/share/zoneinfo/America/Chicago").exists() {
        eprintln!("no tz database here; nothing to check");
        return;
    }
    let sh = Shell::new();
    let (id, _) = unique(&sh);
    let out = support::hermetic_rolo(&sh.home)
        .args([
            "task",
            "add",
            &id,
            "--title",
            "After the clocks change",
            "--due",
            "2027-03-20 09:00",
        ])
        .env("TZ", "America/Chicago")
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", sh.sandbox.base_url())
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .env("ROLO_CONFIG", sh.home.join("none.toml"))
        .env("XDG_STATE_HOME", sh.home.join("state"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let due = sh.sandbox.with_store(|s| {
        s.tasks_of(&id)
            .iter()
            .find(|t| t["title"] == "After the clocks change")
            .map(|t| t["dueDate"].as_str().unwrap().to_string())
    });
    assert_eq!(due.as_deref(), Some("2027-03-20T14:00:00.000Z"));
}

#[test]
fn sync_fills_the_cache_that_find_and_query_then_answer_from_offline() {
    let sh = Shell::new();
    let (_, name) = unique(&sh);
    let o = sh.run(&["sync"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("Synced 120 contacts"), "{out}");
    // Not a terminal: plain progress lines, no bar, no colour.
    assert!(err.contains("Syncing contacts 120 / 120"), "{err}");
    assert!(!out.contains('\x1b') && !err.contains('\x1b'));

    // HighLevel unreachable: the cache answers.
    let offline = |args: &[&str]| sh.run_at("http://127.0.0.1:9", args, support::TOKEN, None);
    let o = offline(&["find", &name, "--json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["name"], serde_json::json!(name));
    let o = offline(&["query", &name]);
    let (out, _) = text(&o);
    assert!(o.status.success());
    assert!(out.lines().nth(1).unwrap().contains(&name), "{out}");
    // Nothing waits in the outbox.
    let o = sh.run(&["outbox"]);
    assert!(text(&o).0.contains("Nothing waiting"), "{:?}", text(&o));
    let o = sh.run(&["outbox", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&text(&o).0).unwrap(),
        serde_json::json!([])
    );
    // A second sync fetches changes only.
    let o = sh.run(&["sync"]);
    assert!(text(&o).0.contains("changes only"), "{:?}", text(&o));

    // A change made while HighLevel is unreachable waits in the outbox,
    // and goes out with `rolo outbox push`.
    let (id, _) = unique(&sh);
    let o = offline(&["tag", "add", &id, "made-offline"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(4), "{out}{err}");
    assert!(err.contains("kept in the outbox"), "{err}");
    let o = sh.run(&["outbox"]);
    assert!(text(&o).0.contains("+made-offline"), "{:?}", text(&o));
    let has_tag = || {
        sh.sandbox.with_store(|s| {
            s.contact(&id).unwrap()["tags"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("made-offline"))
        })
    };
    assert!(!has_tag());
    let o = sh.run(&["outbox", "push"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(has_tag(), "applied once HighLevel is back");
    assert!(text(&sh.run(&["outbox"])).0.contains("Nothing waiting"));
}

#[test]
fn a_note_that_cannot_be_added_or_queued_is_kept_in_a_file() {
    let sh = Shell::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let typed = "Typed with care.\nSecond line.";
    let out = sh.run_at(
        &format!("http://{addr}"),
        &["note", "add", "some-contact-id"],
        support::TOKEN,
        Some(typed),
    );
    let (_, err) = text(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    let path = err
        .split("your note is kept in ")
        .nth(1)
        .unwrap_or_else(|| panic!("no file named: {err}"))
        .trim();
    assert_eq!(std::fs::read_to_string(path).unwrap().trim_end(), typed);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

/// Item 25: damage the start-up check cannot see (a few pages deep in the
/// file) is found by the sync, which moves the file aside, keeps the
/// unsent edits, and syncs again, instead of failing on every run.
#[test]
fn a_sync_repairs_damage_the_start_up_check_missed() {
    let sh = Shell::with_contacts(2_000);
    let o = sh.run(&["sync"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (id, _) = unique(&sh);
    let o = sh.run_at(
        "http://127.0.0.1:9",
        &["tag", "add", &id, "kept-through-damage"],
        support::TOKEN,
        None,
    );
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));

    let db = find_file(&sh.home, |p| {
        p.extension().is_some_and(|e| e == "db") && !p.to_string_lossy().contains("outbox")
    });
    // Overwrite scattered pages, never page 1 nor a table's root.
    let (pages, page_size, roots): (i64, i64, Vec<i64>) = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
        let pages = conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        let size = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        let mut st = conn.prepare("SELECT rootpage FROM sqlite_master").unwrap();
        let roots = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        (pages, size, roots)
    };
    assert!(
        pages > 50,
        "a cache of {pages} pages is too small to damage in the middle"
    );
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        for at in [0.35, 0.5, 0.65, 0.8] {
            let page = ((pages as f64 * at) as i64).max(2);
            if roots.contains(&page) || roots.contains(&(page + 1)) {
                continue;
            }
            f.seek(SeekFrom::Start(((page - 1) * page_size) as u64))
                .unwrap();
            f.write_all(&vec![0x5A; page_size as usize]).unwrap();
        }
        f.sync_all().unwrap();
    }
    // The precondition: the start-up check passes on this file.
    rolo::cache::Cache::open(&db)
        .and_then(|c| c.probe())
        .expect("the start-up check does not see damage this deep");

    let o = sh.run(&["sync", "--full"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "exit {:?}\n{out}{err}", o.status.code());
    assert!(err.contains("moved to"), "the repair is said: {err}");
    assert!(out.contains("Synced 2,000 contacts"), "{out}");
    let tagged = sh.sandbox.with_store(|s| {
        s.contact(&id).unwrap()["tags"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("kept-through-damage"))
    });
    assert!(tagged, "the edit queued before the damage was sent");
    // The rebuilt cache is whole, and answers offline.
    rolo::cache::Cache::open(&db)
        .unwrap()
        .check_integrity()
        .unwrap();
    let o = sh.run(&["sync"]);
    assert!(o.status.success(), "{:?}", text(&o));
}

/// The first file under `dir` that `pick` accepts.
fn find_file(
    dir: &std::path::Path,
    pick: impl Fn(&std::path::Path) -> bool + Copy,
) -> std::path::PathBuf {
    fn walk(
        dir: &std::path::Path,
        pick: &dyn Fn(&std::path::Path) -> bool,
    ) -> Option<std::path::PathBuf> {
        let entries = std::fs::read_dir(dir).ok()?;
        for p in entries.flatten().map(|e| e.path()) {
            let found = if p.is_dir() {
                walk(&p, pick)
            } else {
                pick(&p).then(|| p.clone())
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
    walk(dir, &pick).unwrap_or_else(|| panic!("no such file under {}", dir.display()))
}

/// Item 16: the log, the cache and the outbox are the user's alone (files
/// 0600 in 0700 dirs), a log left 0644 by an older rolo is tightened, and
/// what the log receives from the server carries no raw escape.
#[cfg(unix)]
#[test]
fn the_log_and_the_cache_are_private_files() {
    use std::os::unix::fs::PermissionsExt;
    let sh = Shell::new();
    let log_dir = sh.home.join("state").join("rolo");
    std::fs::create_dir_all(&log_dir).unwrap();
    let log = log_dir.join("rolo.log");
    std::fs::write(&log, "an older rolo's line\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = support::hermetic_rolo(&sh.home)
        .args(["sync"])
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", sh.sandbox.base_url())
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .env("ROLO_LOG", "debug")
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&log), 0o600, "the log");
    // A server whose error messages carry escapes: logged, but not raw.
    let hostile = sh._runtime.block_on(support::hostile::Hostile::start(|_| {
        support::hostile::json(
            400,
            serde_json::json!({"statusCode": 400, "message": "down \u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m"}),
        )
    }));
    let o = support::hermetic_rolo(&sh.home)
        .args(["show", "some-contact"])
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", hostile.url())
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .env("ROLO_LOG", "debug")
        .env("ROLO_NO_CACHE", "1")
        .output()
        .unwrap();
    assert!(!o.status.success(), "{:?}", text(&o));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("pwned"),
        "the server's message was logged: {logged}"
    );
    assert!(
        !logged.contains(['\x1b', '\x07', '\u{9b}']),
        "a raw escape in the log: {logged:?}"
    );
    let db = find_file(&sh.home, |p| {
        p.extension().is_some_and(|e| e == "db") && !p.to_string_lossy().contains("outbox")
    });
    let outbox = rolo::cache::outbox_path(&db);
    for f in [&db, &outbox] {
        assert_eq!(mode(f), 0o600, "{}", f.display());
        assert_eq!(mode(f.parent().unwrap()), 0o700, "{}", f.display());
    }
}

/// A note typed while HighLevel keeps rate-limiting outlives the shell's
/// deadline: the command gives up, and the text is kept in a private file
/// that the error names (never "kept in the outbox" when it is not).
#[test]
fn a_note_cut_off_by_the_deadline_is_kept_in_a_file() {
    let sh = Shell::new();
    let limited = sh._runtime.block_on(support::hostile::Hostile::start(|_| {
        let mut r = support::hostile::json(
            429,
            serde_json::json!({"statusCode": 429, "message": "Too Many Requests"}),
        );
        r.headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("30"));
        r
    }));
    let typed = "Call back Tuesday about the renewal";
    let o = support::hermetic_rolo(&sh.home)
        .args(["note", "add", "some-contact-id"])
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", limited.url())
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .env("ROLO_DEADLINE", "2")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(typed.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(!err.contains("kept in the outbox"), "{err}");
    let path = err
        .split("your note is kept in ")
        .nth(1)
        .unwrap_or_else(|| panic!("no file named: {err}"))
        .trim();
    assert_eq!(std::fs::read_to_string(path).unwrap(), typed);
}

/// Item 26: `--no-cache`, `ROLO_NO_CACHE=1` and `ROLO_NO_CACHE=false` are
/// read one way by every command: with HighLevel out of reach, an edit is
/// queued only when the cache is on.
#[test]
fn no_cache_is_read_the_same_way_as_flag_and_variable() {
    let sh = Shell::new();
    let (id, _) = unique(&sh);
    // A synced cache, so the contact is found offline.
    assert!(sh.run(&["sync"]).status.success());
    let offline = |args: &[&str], env: Option<&str>| {
        let mut c = support::hermetic_rolo(&sh.home);
        c.args(args)
            .env("ROLO_TOKEN", support::TOKEN)
            .env("ROLO_BASE_URL", "http://127.0.0.1:9")
            .env("ROLO_LOCATION_ID", support::LOCATION)
            .env("ROLO_DEADLINE", "10");
        if let Some(v) = env {
            c.env("ROLO_NO_CACHE", v);
        }
        c.output().unwrap()
    };
    let waiting = || text(&sh.run(&["outbox", "--json"])).0;
    for (args, env) in [
        (vec!["--no-cache", "tag", "add", &id, "flag-off"], None),
        (vec!["tag", "add", "--no-cache", &id, "flag-after"], None),
        (vec!["tag", "add", &id, "env-one"], Some("1")),
    ] {
        let o = offline(&args, env);
        let (_, err) = text(&o);
        assert_ne!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("kept in the outbox"),
            "{args:?} {env:?}: {err}"
        );
        assert_eq!(waiting().trim(), "[]", "{args:?} {env:?} queued an edit");
    }
    let o = offline(&["tag", "add", &id, "env-false"], Some("false"));
    let (_, err) = text(&o);
    assert!(err.contains("kept in the outbox"), "{err}");
    assert!(waiting().contains("env-false"));
}

/// After a damaged outbox file, `rolo outbox` never says every edit is
/// confirmed, and keeps warning until the user says it has been read.
#[test]
fn the_lost_edits_warning_stays_until_acknowledged() {
    let sh = Shell::new();
    assert!(sh.run(&["sync"]).status.success());
    let db = find_file(&sh.home, |p| {
        p.extension().is_some_and(|e| e == "db") && !p.to_string_lossy().contains("outbox")
    });
    rolo::cache::Cache::open(&db)
        .unwrap()
        .set_outbox_note(
            rolo::cache::outbox::LOST_NOTE,
            "The outbox file was damaged; edits may have been lost",
        )
        .unwrap();
    let (out, err) = text(&sh.run(&["outbox"]));
    assert!(
        err.contains("may have been lost") && err.contains("rolo outbox ack"),
        "{err}"
    );
    assert!(!out.contains("every edit is confirmed"), "{out}");
    let o = sh.run(&["outbox", "ack"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (out, err) = text(&sh.run(&["outbox"]));
    assert!(!err.contains("may have been lost"), "{err}");
    assert!(out.contains("every edit is confirmed"), "{out}");
}

/// With no zone in the config, due dates follow the location's own zone
/// (the sandbox's is America/Chicago), not the machine's: on a UTC server,
/// 17:00 is 23:00 UTC in winter and 22:00 UTC in summer. `timezone =
/// "local"` still means the machine's.
#[test]
fn due_dates_follow_the_locations_zone_on_a_utc_machine() {
    let sh = Shell::new();
    let (id, _) = unique(&sh);
    let add = |title: &str, due: &str, config: &std::path::Path| {
        let out = support::hermetic_rolo(&sh.home)
            .args(["task", "add", &id, "--title", title, "--due", due])
            .env("TZ", "UTC")
            .env("ROLO_TOKEN", support::TOKEN)
            .env("ROLO_BASE_URL", sh.sandbox.base_url())
            .env("ROLO_LOCATION_ID", support::LOCATION)
            .env("ROLO_CONFIG", config)
            .output()
            .unwrap();
        assert!(out.status.success(), "{:?}", text(&out));
        sh.sandbox.with_store(|s| {
            s.tasks_of(&id)
                .iter()
                .find(|t| t["title"] == title)
                .map(|t| t["dueDate"].as_str().unwrap().to_string())
        })
    };
    let none = sh.home.join("none.toml");
    assert_eq!(
        add("winter", "2027-01-20 17:00", &none).as_deref(),
        Some("2027-01-20T23:00:00.000Z")
    );
    assert_eq!(
        add("summer", "2027-07-20 17:00", &none).as_deref(),
        Some("2027-07-20T22:00:00.000Z")
    );
    let local = sh.home.join("local.toml");
    std::fs::write(&local, "[ui]\ntimezone = \"local\"\n").unwrap();
    assert_eq!(
        add("machine", "2027-01-20 17:00", &local).as_deref(),
        Some("2027-01-20T17:00:00.000Z")
    );
    let oslo = sh.home.join("oslo.toml");
    std::fs::write(&oslo, "[ui]\ntimezone = \"Europe/Oslo\"\n").unwrap();
    assert_eq!(
        add("oslo", "2027-07-20 17:00", &oslo).as_deref(),
        Some("2027-07-20T15:00:00.000Z")
    );
}

/// `rolo show` names the owner and the custom fields, on the card and in
/// the JSON (the contact itself stays as the API gave it).
#[test]
fn show_names_the_owner_and_the_custom_fields() {
    let sh = Shell::new();
    let (id, owner) = sh.sandbox.with_store(|s| {
        s.contact_ids()
            .into_iter()
            .find_map(|id| {
                let c = s.contact(&id)?;
                let owner = c.get("assignedTo")?.as_str()?.to_string();
                c.get("customFields")?;
                Some((id, owner))
            })
            .unwrap()
    });
    let name = user_field(&sh, &owner, "name");
    let out = sh.run(&["show", &id]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains(&format!("owner    {name}")), "{stdout}");
    assert!(stdout.contains("Budget   $"), "{stdout}");
    assert!(stdout.contains("Lead source"), "{stdout}");
    let out = sh.run(&["show", &id, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["owner"]["id"], owner.as_str());
    assert_eq!(v["owner"]["name"], name.as_str());
    assert_eq!(v["customFields"][0]["name"], "Budget");
    assert!(
        v["customFields"][0]["shown"]
            .as_str()
            .unwrap()
            .starts_with('$')
    );
    assert_eq!(v["contact"]["assignedTo"], owner.as_str());
}

/// `rolo find @NAME` answers a saved search from the cache with HighLevel
/// unreachable; `--mine` keeps the profile's user's contacts (and
/// `today --mine` their tasks), each set exactly as the sandbox's own
/// records say; an unknown name or an unknown "me" is a clear usage error.
#[test]
fn saved_searches_and_mine_from_the_shell() {
    let sh = Shell::new();
    let records: Vec<serde_json::Value> = sh.sandbox.with_store(|s| {
        s.contact_ids()
            .into_iter()
            .filter_map(|id| {
                s.contact(&id)
                    .map(|c| serde_json::Value::Object(c.into_owned()))
            })
            .collect()
    });
    let owner = records
        .iter()
        .find_map(|c| c["assignedTo"].as_str().map(str::to_string))
        .unwrap();
    let email = user_field(&sh, &owner, "email");
    // Without a user in the profile, "mine" is explained, not guessed.
    let o = sh.run(&["find", "--mine", "x"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("user = "), "{:?}", text(&o));

    std::fs::create_dir_all(&sh.home).unwrap();
    std::fs::write(
        sh.home.join("none.toml"),
        format!("default_profile = \"me\"\n[profiles.me]\nuser = \"{email}\"\n"),
    )
    .unwrap();
    let o = sh.run(&["sync"]);
    assert!(o.status.success(), "{:?}", text(&o));
    std::fs::create_dir_all(sh.home.join("data")).unwrap();
    std::fs::write(
        sh.home.join("data").join("searches.json"),
        r#"[{"name": "big", "query": "budget:>20000 -tag:vip"}]"#,
    )
    .unwrap();
    let ids = |o: &Output| -> std::collections::BTreeSet<String> {
        let v: Value =
            serde_json::from_str(&text(o).0).unwrap_or_else(|e| panic!("{e}: {:?}", text(o)));
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let want = |keep: &dyn Fn(&Value) -> bool| -> std::collections::BTreeSet<String> {
        records
            .iter()
            .filter(|c| keep(c))
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let offline = |args: &[&str]| sh.run_at("http://127.0.0.1:9", args, support::TOKEN, None);
    let o = offline(&["find", "@big", "--limit", "1000", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let big = want(&|c| {
        let budget = c["customFields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == "cfBudget0000000000001")
            .and_then(|v| v["value"].as_str()?.parse::<f64>().ok());
        budget.is_some_and(|b| b > 20000.0)
            && !c["tags"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("vip"))
    });
    assert!(!big.is_empty());
    assert_eq!(ids(&o), big);
    let o = offline(&["find", "--mine", "", "--limit", "1000", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let mine = want(&|c| c["assignedTo"] == owner.as_str());
    assert!(!mine.is_empty() && mine.len() < records.len());
    assert_eq!(ids(&o), mine);
    let o = offline(&["find", "@nope"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("saved: big"), "{:?}", text(&o));
    // Today, mine.
    let o = sh.run(&["today", "--json"]);
    let everyone: Value = serde_json::from_str(&text(&o).0).unwrap();
    let o = sh.run(&["today", "--mine", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let mine: Value = serde_json::from_str(&text(&o).0).unwrap();
    let mine = mine.as_array().unwrap();
    assert!(
        mine.iter().all(|t| t["assignedTo"] == owner.as_str()),
        "{mine:?}"
    );
    let expected = everyone
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["assignedTo"] == owner.as_str())
        .count();
    assert_eq!(mine.len(), expected);
}

/// `rolo deals` lists exactly the contact's deals with their pipeline and
/// stage by name; `rolo pipeline` counts and sums each stage's open deals
/// exactly as the sandbox's own records say; names that carry escape
/// sequences never reach the terminal; HighLevel unreachable is exit 4.
#[test]
fn deals_and_pipelines_from_the_shell() {
    let sh = Shell::new();
    let text_of = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let (cid, want, pipelines) = sh.sandbox.with_store(|s| {
        let mut by_contact: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for o in s.opportunity_list() {
            by_contact
                .entry(text_of(&o["contactId"]))
                .or_default()
                .push(text_of(&o["id"]));
        }
        let (cid, ids) = by_contact
            .into_iter()
            .max_by_key(|(_, ids)| ids.len())
            .unwrap();
        let pipelines: Vec<Value> = s
            .pipeline_list()
            .iter()
            .map(|p| Value::Object(p.clone()))
            .collect();
        (cid, ids, pipelines)
    });
    let stage_name = |pipeline: &str, stage: &str| -> String {
        let p = pipelines.iter().find(|p| p["id"] == pipeline).unwrap();
        let s = p["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == stage)
            .unwrap();
        text_of(&s["name"])
    };
    let o = sh.run(&["deals", &cid, "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let got: Value = serde_json::from_str(&text(&o).0).unwrap();
    let got = got.as_array().unwrap();
    let mut ids: Vec<String> = got.iter().map(|d| text_of(&d["id"])).collect();
    ids.sort();
    let mut want = want;
    want.sort();
    assert_eq!(ids, want);
    for d in got {
        assert_eq!(
            text_of(&d["stageName"]),
            stage_name(&text_of(&d["pipelineId"]), &text_of(&d["pipelineStageId"]))
        );
        assert!(
            d["pipelineName"].is_string() && d["daysInStage"].is_number(),
            "{d}"
        );
    }
    let o = sh.run(&["deals", &cid]);
    assert!(o.status.success(), "{:?}", text(&o));
    let first = &got[0];
    assert!(
        text(&o).0.contains(&format!(
            "{} › {}",
            text_of(&first["pipelineName"]),
            text_of(&first["stageName"])
        )),
        "{}",
        text(&o).0
    );

    // Each stage's count and value, against the sandbox's open deals.
    let o = sh.run(&["pipeline", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let boards: Value = serde_json::from_str(&text(&o).0).unwrap();
    let records: Vec<Value> = sh.sandbox.with_store(|s| {
        s.opportunity_list()
            .iter()
            .map(|o| Value::Object(o.clone()))
            .collect()
    });
    let boards = boards["pipelines"].as_array().unwrap();
    assert_eq!(boards.len(), pipelines.len());
    for b in boards {
        for st in b["stages"].as_array().unwrap() {
            let here: Vec<&Value> = records
                .iter()
                .filter(|o| o["status"] == "open" && o["pipelineStageId"] == st["id"])
                .collect();
            assert_eq!(st["count"].as_u64().unwrap() as usize, here.len(), "{st}");
            let value: f64 = here
                .iter()
                .filter_map(|o| o["monetaryValue"].as_f64())
                .sum();
            assert_eq!(st["value"].as_f64().unwrap(), value, "{st}");
        }
    }
    let o = sh.run(&["pipeline", "sal"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("Sales Pipeline") && !text(&o).0.contains("Renewals"));
    let o = sh.run(&["pipeline", "zzz"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("Sales Pipeline, Renewals"),
        "{:?}",
        text(&o)
    );
    let o = sh.run(&["pipeline", "--mine"]);
    assert_eq!(o.status.code(), Some(2), "no user named: {:?}", text(&o));

    // Hostile names are shown, never obeyed.
    sh.sandbox.with_store(|s| {
        let p = &mut s.pipelines_mut()[0];
        p.insert("name".into(), "\u{1b}]0;pwned\u{7}Sales\u{1b}[2J".into());
        p["stages"][0]["name"] = "\u{1b}[31mNew\u{9b}lead".into();
    });
    for args in [vec!["pipeline"], vec!["deals", cid.as_str()]] {
        let o = sh.run(&args);
        assert!(o.status.success(), "{:?}", text(&o));
        assert!(
            !o.stdout.contains(&0x1b) && !text(&o).0.contains('\u{9b}'),
            "{args:?}: {:?}",
            text(&o).0
        );
    }

    let offline = |args: &[&str]| sh.run_at("http://127.0.0.1:9", args, support::TOKEN, None);
    for args in [vec!["pipeline"], vec!["deals", cid.as_str()]] {
        let o = offline(&args);
        assert_eq!(o.status.code(), Some(4), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains("network error"), "{:?}", text(&o));
    }
}

/// `rolo agenda` lists exactly the sandbox's appointments of the coming
/// days across every calendar (merged, soonest first, with names), marks
/// overlaps, `--mine` keeps the profile user's; `rolo appointment status`
/// changes exactly that appointment's status; HighLevel unreachable is
/// exit 4, and an unknown appointment exit 1.
#[test]
fn agenda_and_appointment_status_from_the_shell() {
    let sh = Shell::new();
    let o = sh.run(&["agenda", "--days", "7", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let got: Value = serde_json::from_str(&text(&o).0).unwrap();
    let got = got.as_array().unwrap();
    let ids: Vec<&str> = got.iter().map(|e| e["id"].as_str().unwrap()).collect();
    // The sandbox's own: every appointment starting from today's start in
    // Chicago (the location's zone) to 7 days on.
    let zone: chrono_tz::Tz = "America/Chicago".parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let from = today
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(zone)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc);
    let to = (today + chrono::Duration::days(7))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(zone)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut want: Vec<(String, String)> = sh.sandbox.with_store(|s| {
        s.contact_ids()
            .iter()
            .flat_map(|c| {
                s.appointments(c).unwrap().body["events"]
                    .as_array()
                    .unwrap()
                    .clone()
            })
            .filter(|e| {
                let t =
                    rolo::api::model::parse_timestamp(e["startTime"].as_str().unwrap()).unwrap();
                t >= from && t < to
            })
            .map(|e| {
                (
                    e["startTime"].as_str().unwrap().to_string(),
                    e["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    });
    want.sort();
    let want_ids: Vec<&str> = want.iter().map(|(_, id)| id.as_str()).collect();
    assert!(!want_ids.is_empty());
    assert_eq!(ids, want_ids, "every calendar's, soonest first");
    assert!(
        got.iter()
            .all(|e| e["calendarName"].is_string() && e["contactName"].is_string())
    );
    let o = sh.run(&["agenda", "--days", "7"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.starts_with("Today, "), "{}", text(&o).0);

    // A status, then exactly that change.
    let id = want_ids[0].to_string();
    let before: Vec<Value> = sh.sandbox.with_store(|s| s.appointment_list());
    let o = sh.run(&["appointment", "status", &id, "noshow"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("is noshow"));
    let after: Vec<Value> = sh.sandbox.with_store(|s| s.appointment_list());
    for (b, a) in before.iter().zip(&after) {
        if b["id"] == id.as_str() {
            assert_eq!(a["appointmentStatus"], "noshow");
            let (mut b, mut a) = (b.clone(), a.clone());
            for v in [&mut b, &mut a] {
                let m = v.as_object_mut().unwrap();
                m.remove("appointmentStatus");
                m.remove("dateUpdated");
            }
            assert_eq!(a, b, "only the status changed");
        } else {
            assert_eq!(a, b);
        }
    }
    // A read-only profile changes nothing from the shell either.
    std::fs::create_dir_all(&sh.home).unwrap();
    std::fs::write(
        sh.home.join("none.toml"),
        "[profiles.ro]\nlocation_id = \"sandbox-location\"\nread_only = true\n",
    )
    .unwrap();
    let cid = sh.sandbox.with_store(|s| s.contact_ids()[0].clone());
    for args in [
        vec![
            "--profile",
            "ro",
            "appointment",
            "status",
            id.as_str(),
            "showed",
        ],
        vec![
            "--profile",
            "ro",
            "book",
            cid.as_str(),
            "--calendar",
            "sales",
            "--at",
            "mon 10am",
        ],
        vec!["--profile", "ro", "tag", "add", cid.as_str(), "ro-test"],
    ] {
        let o = sh.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains("read-only"), "{:?}", text(&o));
    }
    let o = sh.run(&["--profile", "ro", "agenda"]);
    assert!(o.status.success(), "reading is fine: {:?}", text(&o));
    std::fs::remove_file(sh.home.join("none.toml")).unwrap();
    let o = sh.run(&["appointment", "status", &id, "maybe"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let o = sh.run(&["appointment", "status", "doesnotexist00000000", "showed"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let offline = |args: &[&str]| sh.run_at("http://127.0.0.1:9", args, support::TOKEN, None);
    for args in [
        vec!["agenda"],
        vec!["appointment", "status", id.as_str(), "showed"],
    ] {
        let o = offline(&args);
        assert_eq!(o.status.code(), Some(4), "{args:?}: {:?}", text(&o));
    }
}

/// A booking is never made twice: `rolo book` is killed after HighLevel
/// made the appointment and before its answer arrived. The booking waits
/// in the outbox; `rolo outbox push` (another process) finds the
/// appointment the lost attempt made and sends nothing again. The contact
/// ends with exactly one new appointment.
#[test]
fn a_booking_is_never_made_twice_when_rolo_dies_before_the_answer() {
    let sh = Shell::new();
    let cid = sh.sandbox.with_store(|s| s.contact_ids()[7].clone());
    let count = || {
        sh.sandbox.with_store(|s| {
            s.appointments(&cid).unwrap().body["events"]
                .as_array()
                .unwrap()
                .len()
        })
    };
    let before = count();
    // The booking is made, and its answer never leaves.
    sh.sandbox.set_faults(rolo::sandbox::Faults {
        lost_answer_paths: vec!["/calendars/events/appointments".into()],
        ..Default::default()
    });
    let mut child = support::hermetic_rolo(&sh.home)
        .args(["book", &cid, "--calendar", "sales", "--at", "mon 10am"])
        .env("ROLO_TOKEN", support::TOKEN)
        .env("ROLO_BASE_URL", sh.sandbox.base_url())
        .env("ROLO_LOCATION_ID", support::LOCATION)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while count() != before + 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the booking never arrived"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "rolo ended before booking"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(child.try_wait().unwrap().is_none(), "rolo heard the answer");
    // HighLevel has it; rolo has not heard. Kill rolo now.
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(count(), before + 1);
    sh.sandbox.set_faults(rolo::sandbox::Faults::default());
    sh.sandbox.clear_requests();
    let o = sh.run(&["outbox", "push"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let posts = sh
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/calendars/events/appointments")
        .count();
    assert_eq!(posts, 0, "the booking was sent again");
    assert_eq!(count(), before + 1, "exactly one appointment");
    let o = sh.run(&["outbox", "--json"]);
    assert!(
        text(&o).0.trim() == "[]" || !text(&o).0.contains("book"),
        "{:?}",
        text(&o)
    );
}

/// `rolo find '#vip' --ids | rolo tag add - bulk-test` changes exactly the
/// contacts find listed, in bulk requests of 100; workflows and campaigns
/// take `-` too; bad input changes nothing; HighLevel unreachable keeps
/// the change in the outbox (exit 4).
#[test]
fn ids_through_a_pipe_are_tagged_in_bulk_and_nothing_else_changes() {
    let sh = Shell::with_contacts(600);
    let all = || -> Vec<Value> {
        sh.sandbox.with_store(|s| {
            s.contact_ids()
                .into_iter()
                .filter_map(|id| s.contact(&id).map(|c| Value::Object(c.into_owned())))
                .collect()
        })
    };
    let before = all();
    let has = |c: &Value, tag: &str| {
        c["tags"].as_array().is_some_and(|t| {
            t.iter()
                .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(tag)))
        })
    };
    let vip: std::collections::BTreeSet<String> = before
        .iter()
        .filter(|c| has(c, "vip"))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(vip.len() > 5, "{}", vip.len());
    let found = sh.run(&["find", "#vip", "--ids"]);
    assert!(found.status.success(), "{:?}", text(&found));
    let listed: std::collections::BTreeSet<String> =
        text(&found).0.lines().map(str::to_string).collect();
    assert_eq!(listed, vip, "find --ids lists every #vip contact, bare");
    let requests_before = sh.sandbox.requests().len();
    let o = sh.run_with(
        &["tag", "add", "-", "bulk-test"],
        support::TOKEN,
        Some(&text(&found).0),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o)
            .0
            .contains(&format!("to {} of {}", vip.len(), vip.len())),
        "{:?}",
        text(&o)
    );
    let after = all();
    for (a, b) in after.iter().zip(&before) {
        let id = b["id"].as_str().unwrap();
        let mut want = b.clone();
        if vip.contains(id) {
            let mut tags = b["tags"].as_array().cloned().unwrap_or_default();
            tags.push("bulk-test".into());
            want["tags"] = tags.into();
            want["dateUpdated"] = a["dateUpdated"].clone();
        }
        assert_eq!(a, &want, "contact {id}");
    }
    let log = sh.sandbox.requests();
    let new = &log[requests_before..];
    let bulk = new
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/contacts/bulk/tags/update/add")
        .count();
    assert_eq!(bulk, vip.len().div_ceil(100), "{new:#?}");
    assert!(
        !new.iter()
            .any(|r| r.path.ends_with("/tags") && r.path != "/contacts/bulk/tags/update/add"),
        "no tag request per contact"
    );

    // Many: 100 a request.
    let many = sh.run(&["find", "a", "--ids"]);
    let many_ids: Vec<String> = text(&many).0.lines().map(str::to_string).collect();
    assert!(many_ids.len() > 200, "{}", many_ids.len());
    let mark = sh.sandbox.requests().len();
    let o = sh.run_with(
        &["tag", "rm", "-", "bulk-test"],
        support::TOKEN,
        Some(&text(&many).0),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let bulk = sh.sandbox.requests()[mark..]
        .iter()
        .filter(|r| r.path == "/contacts/bulk/tags/update/remove")
        .count();
    assert_eq!(bulk, many_ids.len().div_ceil(100));
    let still: Vec<String> = all()
        .iter()
        .filter(|c| has(c, "bulk-test"))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(still.iter().all(|id| !many_ids.contains(id)));
    assert!(still.iter().all(|id| vip.contains(id)));

    // A workflow and every campaign, for the #vip contacts.
    let o = sh.run_with(
        &["workflow", "add", "-", "webinar"],
        support::TOKEN,
        Some(&text(&found).0),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = sh.run_with(
        &["campaign", "rm", "-", "--all"],
        support::TOKEN,
        Some(&text(&found).0),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    sh.sandbox.with_store(|s| {
        for c in &before {
            let id = c["id"].as_str().unwrap();
            let wfs = s.workflows_of(id);
            if vip.contains(id) {
                assert_eq!(wfs.len(), 1, "{id} in the webinar workflow");
                assert!(s.campaigns_of(id).is_empty(), "{id} out of every campaign");
            } else {
                assert!(wfs.is_empty(), "{id} untouched");
            }
        }
    });

    // A contact HighLevel does not know is named, the rest are tagged,
    // and nothing is left behind in the outbox (the shell said it).
    let first_vip = vip.iter().next().unwrap().clone();
    let o = sh.run_with(
        &["tag", "add", "-", "half-known"],
        support::TOKEN,
        Some(&format!("{first_vip}\nnoSuchContact1\n")),
    );
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("noSuchContact1"), "{:?}", text(&o));
    assert!(text(&o).0.contains("1 of 2"), "{:?}", text(&o));
    sh.sandbox.with_store(|s| {
        assert!(has(
            &Value::Object(s.contact(&first_vip).unwrap().into_owned()),
            "half-known"
        ))
    });
    let left = sh.run(&["outbox"]);
    assert!(
        !text(&left).0.contains("noSuchContact1"),
        "the refusal was reported, not kept: {:?}",
        text(&left)
    );

    // Bad input changes nothing.
    let mark = sh.sandbox.requests().len();
    for (input, code) in [("x;rm -rf\n", 2), ("", 2), ("\n\n# only a comment\n", 2)] {
        let o = sh.run_with(&["tag", "add", "-", "never"], support::TOKEN, Some(input));
        assert_eq!(o.status.code(), Some(code), "{input:?}: {:?}", text(&o));
    }
    for bad in ["", " , ", "ok1,"] {
        let o = sh.run_with(
            &["tag", "add", "-", bad],
            support::TOKEN,
            Some(&text(&found).0),
        );
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {:?}", text(&o));
    }
    assert_eq!(sh.sandbox.requests().len(), mark, "nothing was sent");
    // HighLevel unreachable: kept in the outbox, exit 4.
    let o = sh.run_at(
        "http://127.0.0.1:9",
        &["tag", "add", "-", "later"],
        support::TOKEN,
        Some(&text(&found).0),
    );
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    assert!(text(&o).1.contains("outbox"), "{:?}", text(&o));
}

/// Ids on standard input run as long as the rate limit and the server
/// need: no total deadline cuts a bulk run off half done (one contact's
/// command keeps its deadline).
#[test]
fn a_bulk_run_from_standard_input_is_not_cut_off_by_the_deadline() {
    let sh = Shell::with_contacts(150);
    let ids: String = sh
        .sandbox
        .with_store(|s| s.contact_ids().iter().map(|i| format!("{i}\n")).collect());
    sh.sandbox.set_faults(rolo::sandbox::faults::Faults {
        latency_ms: 1_200,
        ..Default::default()
    });
    let run = |args: &[&str], input: &str| {
        let mut c = support::hermetic_rolo(&sh.home);
        c.args(args)
            .env("ROLO_TOKEN", support::TOKEN)
            .env("ROLO_BASE_URL", sh.sandbox.base_url())
            .env("ROLO_LOCATION_ID", support::LOCATION)
            .env("ROLO_DEADLINE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run(&["tag", "add", "-", "slow-bulk"], &ids);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("150 of 150"), "{:?}", text(&o));
    // One contact: its deadline holds.
    let first = ids.lines().next().unwrap().to_string();
    let o = run(&["tag", "add", &first, "slow-one"], "");
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    assert!(text(&o).1.contains("within 1 s"), "{:?}", text(&o));
}

/// `-` where a command can act on many: cards for each id (one not found
/// is said, the rest shown), the same task for each; where it cannot (a
/// note's text comes on standard input; one task's id; one booking), a
/// clear refusal that changes nothing.
#[test]
fn every_contact_argument_takes_ids_on_standard_input_or_says_why_not() {
    let sh = Shell::with_contacts(30);
    let ids: Vec<String> = sh
        .sandbox
        .with_store(|s| s.contact_ids().into_iter().take(3).collect());
    let input = format!("{}\n{}\nnoSuchContactAtAll\n", ids[0], ids[1]);
    let o = sh.run_with(&["show", "-"], support::TOKEN, Some(&input));
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let name = |id: &str| {
        sh.sandbox.with_store(|s| {
            s.contact(id).unwrap()["firstName"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
    };
    assert!(
        text(&o).0.contains(&name(&ids[0])) && text(&o).0.contains(&name(&ids[1])),
        "{:?}",
        text(&o)
    );
    assert!(text(&o).1.contains("noSuchContactAtAll"), "{:?}", text(&o));
    let o = sh.run_with(
        &["show", "-", "--json"],
        support::TOKEN,
        Some(&format!("{}\n{}\n", ids[0], ids[1])),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let tasks_before: Vec<usize> = sh
        .sandbox
        .with_store(|s| ids.iter().map(|i| s.tasks_of(i).len()).collect());
    let all = format!("{}\n{}\n{}\n", ids[0], ids[1], ids[2]);
    let o = sh.run_with(
        &[
            "task",
            "add",
            "-",
            "--title",
            "Webinar follow-up call",
            "--due",
            "tomorrow 10:00",
        ],
        support::TOKEN,
        Some(&all),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    sh.sandbox.with_store(|s| {
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(s.tasks_of(id).len(), tasks_before[i] + 1, "{id}");
            assert!(
                s.tasks_of(id)
                    .iter()
                    .any(|t| t["title"] == "Webinar follow-up call")
            );
        }
    });
    let mark = sh.sandbox.requests().len();
    for args in [
        vec!["note", "add", "-"],
        vec!["task", "done", "-", "someTaskId"],
        vec!["book", "-", "--calendar", "x", "--at", "tomorrow 10:00"],
    ] {
        let o = sh.run_with(&args, support::TOKEN, Some(&all));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains("standard input"), "{:?}", text(&o));
    }
    assert!(
        sh.sandbox.requests()[mark..]
            .iter()
            .all(|r| r.method == "GET"),
        "nothing changed: {:#?}",
        &sh.sandbox.requests()[mark..]
    );
}

/// `rolo inbox` lists exactly the sandbox's unread conversations, newest
/// first; `rolo messages` prints a contact's thread, newest first, one line
/// each, escapes made harmless; `| head` ends quietly.
#[test]
fn inbox_and_messages_from_the_shell() {
    let sh = Shell::with_contacts(60);
    let unread: Vec<(String, i64)> = sh.sandbox.with_store(|s| {
        let mut v: Vec<(String, i64)> = s
            .contact_ids()
            .iter()
            .flat_map(|id| s.threads_of(id))
            .filter(|t| t.conversation["unreadCount"].as_u64().unwrap_or(0) > 0)
            .map(|t| {
                (
                    t.conversation["id"].as_str().unwrap().to_string(),
                    t.conversation["lastMessageDate"].as_i64().unwrap(),
                )
            })
            .collect();
        v.sort_by_key(|(id, at)| (std::cmp::Reverse(*at), std::cmp::Reverse(id.clone())));
        v
    });
    assert!(unread.len() > 3, "{}", unread.len());
    let o = sh.run(&["inbox", "--json"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let listed: Vec<Value> = serde_json::from_str(&text(&o).0).unwrap();
    let ids: Vec<&str> = listed.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let want: Vec<&str> = unread.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, want, "exactly the unread, newest first");
    let o = sh.run(&["inbox"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(text(&o).0.lines().count(), unread.len());
    assert!(
        !text(&o).0.contains("<p>"),
        "HTML reduced to text: {}",
        text(&o).0
    );
    // One contact's thread.
    let contact = listed[0]["contactId"].as_str().unwrap().to_string();
    let total: usize = sh.sandbox.with_store(|s| {
        s.threads_of(&contact)
            .iter()
            .map(|t| t.messages.len())
            .sum()
    });
    let o = sh.run(&["messages", &contact, "--limit", "100"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let printed = text(&o).0;
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), total + 1, "{:?}", text(&o));
    assert!(lines[0].contains("unread"), "{}", lines[0]);
    let times: Vec<&str> = lines[1..].iter().map(|l| &l[..16]).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let o = sh.run(&["messages", &contact, "--limit", "2", "--json"]);
    let msgs: Vec<Value> = serde_json::from_str(&text(&o).0).unwrap();
    assert_eq!(msgs.len(), 2);
    // Hostile text from a send: printed harmless.
    let phone_contact = sh.sandbox.with_store(|s| {
        s.contact_ids()
            .into_iter()
            .find(|id| {
                let c = s.contact(id).unwrap();
                c["phone"].as_str().is_some_and(|p| !p.is_empty())
                    && c["dnd"] != serde_json::json!(true)
                    && !matches!(
                        c["dndSettings"]["SMS"]["status"].as_str(),
                        Some("active" | "permanent")
                    )
            })
            .unwrap()
    });
    sh.sandbox.with_store(|s| {
        s.send_message(
            &serde_json::json!({"type": "SMS", "contactId": phone_contact, "message": "\u{1b}]52;c;aGk=\u{7}pwned \u{202e}x"}),
            chrono::Utc::now(),
        )
        .unwrap();
    });
    let o = sh.run(&["messages", &phone_contact, "--limit", "1"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        !o.stdout.contains(&0x1b) && !text(&o).0.contains('\u{202e}'),
        "{:?}",
        text(&o).0
    );
    assert!(text(&o).0.contains("pwned"));
    // HighLevel unreachable: exit 4, said.
    let o = sh.run_at("http://127.0.0.1:9", &["inbox"], support::TOKEN, None);
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
}

/// Outbound messages in a contact's threads, as (message type, body).
fn outbound(sh: &Shell, contact: &str) -> Vec<(String, String)> {
    sh.sandbox.with_store(|s| {
        s.threads_of(contact)
            .iter()
            .flat_map(|t| t.messages.clone())
            .filter(|m| m["direction"] == "outbound")
            .map(|m| {
                (
                    m["messageType"].as_str().unwrap_or("").to_string(),
                    m["body"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    })
}

/// `rolo send`: an SMS from TEXT or stdin and an email, each sent once;
/// DND, a missing subject and an empty text refused before anything is
/// sent; a lost answer leaves it "may have been sent", never sent twice;
/// an unreachable HighLevel keeps the words.
#[test]
fn a_message_is_sent_from_the_shell_once_or_said_may_have_been_sent() {
    let sh = Shell::with_contacts(40);
    let (sms_to, mail_to, late_to) = sh.sandbox.with_store(|s| {
        let open = |id: &String, field: &str, channel: &str| {
            let c = s.contact(id).unwrap();
            c[field].as_str().is_some_and(|p| !p.is_empty())
                && c["dnd"] != serde_json::json!(true)
                && !matches!(
                    c["dndSettings"][channel]["status"].as_str(),
                    Some("active" | "permanent")
                )
        };
        let ids = s.contact_ids();
        let sms = ids
            .iter()
            .find(|id| open(id, "phone", "SMS"))
            .unwrap()
            .clone();
        let mail = ids
            .iter()
            .find(|id| **id != sms && open(id, "email", "Email"))
            .unwrap()
            .clone();
        let other = ids
            .iter()
            .find(|id| **id != sms && **id != mail && open(id, "phone", "SMS"))
            .unwrap()
            .clone();
        (sms, mail, other)
    });
    let before = outbound(&sh, &sms_to).len();
    let o = sh.run(&["send", &sms_to, "--sms", "See you at 3"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.starts_with("sent the SMS to "), "{:?}", text(&o));
    let o = sh.run_with(
        &["send", &sms_to, "--sms"],
        support::TOKEN,
        Some("From stdin\n"),
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let sent = outbound(&sh, &sms_to);
    assert_eq!(sent.len(), before + 2);
    let n = |w: &str| {
        sent.iter()
            .filter(|(t, b)| t == "TYPE_SMS" && b == w)
            .count()
    };
    assert_eq!((n("See you at 3"), n("From stdin")), (1, 1), "{sent:?}");

    let o = sh.run(&[
        "send",
        &mail_to,
        "--email",
        "--subject",
        "Quote",
        "Line one\nLine <two>",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        outbound(&sh, &mail_to)
            .iter()
            .any(|(t, b)| t == "TYPE_EMAIL" && b == "Line one<br>Line &lt;two&gt;"),
        "{:?}",
        outbound(&sh, &mail_to)
    );

    // Refused before anything is sent.
    let mark = sh.sandbox.requests().len();
    for (args, says) in [
        (vec!["send", &mail_to, "--email", "no subject"], "--subject"),
        (vec!["send", &sms_to, "--sms", "  "], "empty"),
        (
            vec!["send", &sms_to, "--sms", "--email", "x"],
            "cannot be used",
        ),
    ] {
        let o = sh.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {:?}", text(&o));
        assert!(text(&o).1.contains(says), "{args:?}: {:?}", text(&o));
    }
    sh.sandbox.with_store(|s| {
        let c = s.contact_mut(&sms_to).unwrap();
        c.insert(
            "dndSettings".into(),
            serde_json::json!({"SMS": {"status": "active", "message": "asked us to stop"}}),
        );
    });
    let o = sh.run(&["send", &sms_to, "--sms", "One more thing"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(
        text(&o).1.contains("Do Not Disturb on for SMS"),
        "{:?}",
        text(&o)
    );
    assert!(
        sh.sandbox.requests()[mark..]
            .iter()
            .all(|r| r.method == "GET"),
        "nothing sent: {:#?}",
        &sh.sandbox.requests()[mark..]
    );

    // The answer lost, and the message slow to show: it may have been
    // sent, so it waits for the user, and `rolo outbox push` does not send
    // it again.
    std::fs::write(sh.home.join("none.toml"), "[api]\ntimeout_secs = 1\n").unwrap();
    sh.sandbox.set_faults(rolo::sandbox::faults::Faults {
        lost_answer_paths: vec!["/conversations/messages".into()],
        message_delay_ms: 60_000,
        ..Default::default()
    });
    let o = sh.run(&["send", &late_to, "--sms", "Running late"]);
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    let o = sh.run(&["outbox", "push"]);
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    let o = sh.run(&["outbox"]);
    assert!(text(&o).0.contains("may have been sent"), "{:?}", text(&o));
    let late = |sh: &Shell| {
        outbound(sh, &late_to)
            .iter()
            .filter(|(_, b)| b == "Running late")
            .count()
    };
    assert_eq!(late(&sh), 1, "sent once, never again");
    let _ = std::fs::remove_file(sh.home.join("none.toml"));
    sh.sandbox.set_faults(Default::default());

    // HighLevel unreachable: exit 4, and the words are kept.
    let o = sh.run_at(
        "http://127.0.0.1:9",
        &["send", &sms_to, "--sms", "Lost words"],
        support::TOKEN,
        None,
    );
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    assert!(text(&o).1.contains("kept in"), "{:?}", text(&o));
}

/// A synced cache for `location` under `home`, holding `contacts`.
fn synced_location(home: &std::path::Path, location: &str, contacts: &[rolo::api::model::Contact]) {
    let path = rolo::cache::Caching::In(home.join("data"))
        .path_for(location)
        .unwrap();
    let mut cache = rolo::cache::Cache::open(&path).unwrap();
    cache.put_contacts(contacts, Some(1), Some(0)).unwrap();
    cache
        .set_meta(
            rolo::cache::sync::SYNCED_AT,
            &chrono::Utc::now().to_rfc3339(),
        )
        .unwrap();
}

fn person(id: &str, first: &str, last: &str, tags: &[&str]) -> rolo::api::model::Contact {
    rolo::api::model::Contact {
        id: id.into(),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email: Some(format!("{}@example.com", id.to_lowercase())),
        tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..Default::default()
    }
}

/// `rolo find --all`: every synced location's cache, offline, the hits
/// ranked together (an exact name before a prefix before a substring,
/// whatever location each is in), each row named by its profile, or by
/// its location where no profile names it; filters read per location.
#[test]
fn find_all_ranks_every_location_together_and_names_each_row() {
    let home = std::env::temp_dir().join(format!(
        "rolo-find-all-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&home).unwrap();
    let filler = |loc: &str| -> Vec<rolo::api::model::Contact> {
        // Only contacts the query does not find.
        let all = rolo::sandbox::seed::model_contacts(300, 7, loc);
        let entries: Vec<rolo::search::Entry> = all.iter().map(rolo::search::Entry::new).collect();
        let found: std::collections::HashSet<usize> = rolo::search::search("ada", &entries)
            .into_iter()
            .map(|h| h.index)
            .collect();
        all.into_iter()
            .enumerate()
            .filter(|(i, _)| !found.contains(i))
            .map(|(_, c)| c)
            .collect()
    };
    let mut acme = filler("loc-acme");
    acme.push(person("AcmeAdalyn", "Adalyn", "Prefix", &["vip"]));
    let mut bravo = filler("loc-bravo");
    let mut exact = person("BravoAda", "Ada", "Exact", &[]);
    exact.assigned_to = Some("u-bravo-me".into());
    bravo.push(exact);
    let mut orphan = filler("loc-orphan");
    orphan.push(person(
        "OrphanNadia",
        "Nadia",
        "Substring\u{1b}[2J",
        &["vip"],
    ));
    synced_location(&home, "loc-acme", &acme);
    synced_location(&home, "loc-bravo", &bravo);
    synced_location(&home, "loc-orphan", &orphan);
    // A cache never synced is not searched (and not an error).
    rolo::cache::Cache::open(
        &rolo::cache::Caching::In(home.join("data"))
            .path_for("loc-unsynced")
            .unwrap(),
    )
    .unwrap();
    // Bravo's cache knows its users: "me" there is u-bravo-me.
    rolo::cache::Cache::open(
        &rolo::cache::Caching::In(home.join("data"))
            .path_for("loc-bravo")
            .unwrap(),
    )
    .unwrap()
    .set_meta(
        rolo::cache::LOCATION_USERS,
        r#"[{"id":"u-bravo-me","name":"Me","email":"me@bravo.test"}]"#,
    )
    .unwrap();
    std::fs::write(
        home.join("none.toml"),
        "default_profile = \"acme\"\n\
         [profiles.acme]\nlocation_id = \"loc-acme\"\n\
         [profiles.bravo]\nlocation_id = \"loc-bravo\"\nuser = \"me@bravo.test\"\n\
         [profiles.nowhere]\nlocation_id = \"loc-never-synced\"\n",
    )
    .unwrap();
    // No token, no server: the caches alone.
    let run = |args: &[&str]| {
        let o = support::hermetic_rolo(&home).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };

    let (code, out, err) = run(&["find", "--all", "ada"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(
        rows[0].starts_with("bravo       BravoAda  Ada Exact"),
        "{out}"
    );
    assert!(
        rows[1].starts_with("acme        AcmeAdalyn  Adalyn Prefix"),
        "{out}"
    );
    assert!(
        rows[2].starts_with("loc-orphan  OrphanNadia  Nadia Substring"),
        "{out}"
    );
    assert!(!out.contains('\x1b') && !err.contains('\x1b'), "{out:?}");

    // JSON names each hit's profile and location.
    let (code, out, _) = run(&["find", "--all", "ada", "--json"]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["profile"], "bravo");
    assert_eq!(v[0]["locationId"], "loc-bravo");
    assert_eq!(v[0]["contact"]["id"], "BravoAda");
    assert_eq!(v[2]["profile"], Value::Null);
    assert_eq!(v[2]["locationId"], "loc-orphan");

    // A filter, read in each location.
    let (code, out, err) = run(&["find", "--all", "tag:vip", "ada"]);
    assert_eq!(code, Some(0), "{err}");
    let ids: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(ids, ["AcmeAdalyn", "OrphanNadia"], "{out}");

    // "Me" is known in bravo alone: the others are said, not searched.
    let (code, out, err) = run(&["find", "--all", "--mine", "ada"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("BravoAda"), "{out}");
    assert!(err.contains("acme: not searched: who is \"me\"?"), "{err}");
    assert!(err.contains("loc-orphan: not searched"), "{err}");

    // --limit caps the whole answer, not each location's.
    let (_, out, _) = run(&["find", "--all", "ada", "--limit", "2"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    // Nothing anywhere: exit 1, saying how many locations were searched.
    let (code, _, err) = run(&["find", "--all", "zzqqxxnothing"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("in 3 locations"), "{err}");
    // Ids from several locations cannot feed a one-location command.
    let (code, _, _) = run(&["find", "--all", "--ids", "ada"]);
    assert_eq!(code, Some(2));

    // A query no location can read: said as such, not as "nothing synced".
    let (code, _, err) = run(&["find", "--all", "assigned:nobody-at-all"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot be read in any location"), "{err}");
    let (code, _, err) = run(&["find", "--all", "--limit", "0", "ada"]);
    assert_eq!(code, Some(2), "{err}");
    // So does one location's find (before any network).
    let o = support::hermetic_rolo(&home)
        .args(["find", "--limit", "0", "ada"])
        .env("ROLO_TOKEN", "t")
        .env("ROLO_BASE_URL", "http://127.0.0.1:9")
        .env("ROLO_LOCATION_ID", "loc-acme")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--limit must be at least 1"));
    // A damaged cache first in line does not pass for why the query
    // cannot be read.
    let broken = home.join("data").join("cache").join("aaa-broken.db");
    std::fs::write(&broken, b"SQLite format 3\0garbage garbage garbage").unwrap();
    let (code, _, err) = run(&["find", "--all", "assigned:nobody-at-all"]);
    assert_eq!(code, Some(2), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("cannot be read in any location") && last.contains("nobody-at-all"),
        "{err}"
    );
    assert!(err.contains("aaa-broken: not searched"), "{err}");
    std::fs::remove_file(&broken).unwrap();

    // Odd files among the caches are left alone: an empty file, a link
    // (to a real cache, and to nowhere), a pipe (which would hang a read).
    let dir = home.join("data").join("cache");
    std::fs::write(dir.join("empty.db"), "").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("loc-acme.db"), dir.join("link.db")).unwrap();
        std::os::unix::fs::symlink(home.join("nowhere.db"), dir.join("dangling.db")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("pipe.db"))
            .status()
            .unwrap();
        assert!(made.success());
    }
    let (code, out, err) = run(&["find", "--all", "ada"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        !out.contains("link") && !err.contains("empty"),
        "{out}{err}"
    );
    assert_eq!(std::fs::metadata(dir.join("empty.db")).unwrap().len(), 0);
    assert!(!dir.join("empty.outbox.db").exists());
    assert!(!dir.join("link.list").exists() && !home.join("nowhere.db").exists());

    // Nothing synced at all: a clear exit 2.
    let empty = home.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = support::hermetic_rolo(&empty)
        .args(["find", "--all", "ada"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no location here has been synced"));
    let _ = std::fs::remove_dir_all(&home);
}
