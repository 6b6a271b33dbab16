//! The command line, as clap reads it: shared by the binary (which parses
//! it) and the shell verbs and auth flow (which act on it).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Parser, Debug)]
#[command(
    name = "rolo",
    version,
    about = "A fast keyboard workspace for HighLevel CRM contacts"
)]
pub struct Cli {
    /// Run against a built-in sandbox with demo data (no account needed).
    #[arg(long)]
    pub demo: bool,

    #[command(flatten)]
    pub server: ServerArgs,

    /// Keep nothing on disk: no contact cache, and edits go straight to
    /// HighLevel instead of through the outbox.
    #[arg(long, env = "ROLO_NO_CACHE", global = true, action = clap::ArgAction::SetTrue,
          value_parser = crate::config::parse_boolish)]
    pub no_cache: bool,

    /// Log filter (error, warn, info, debug, trace, or a tracing directive).
    #[arg(long, env = "ROLO_LOG", global = true)]
    pub log_level: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug)]
pub struct ServerArgs {
    /// API base URL [default: the profile's, else https://services.leadconnectorhq.com].
    /// The token for it comes from `rolo auth login` or ROLO_TOKEN, never
    /// from a flag (not for `rolo sandbox`, which serves).
    #[arg(long, env = "ROLO_BASE_URL", global = true)]
    pub base_url: Option<String>,

    /// The HighLevel location (sub-account) id [default: the profile's].
    #[arg(long, env = "ROLO_LOCATION_ID", global = true)]
    pub location_id: Option<String>,

    /// The config profile to use [default: `default_profile` in the config].
    /// The config file is $ROLO_CONFIG, else ~/.config/rolo/config.toml.
    #[arg(long, env = "ROLO_PROFILE", global = true)]
    pub profile: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AppointmentCommand {
    /// confirmed, showed, noshow, cancelled (or new, invalid).
    Status {
        /// The appointment's id (as `rolo agenda` shows it).
        id: String,
        #[arg(value_parser = ["new", "confirmed", "cancelled", "showed", "noshow", "invalid"])]
        status: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the sandbox API (HighLevel v2 over HTTP) until killed.
    ///
    /// It serves and asks no HighLevel: of the global options only
    /// --log-level applies; --base-url, --profile and --no-cache are for
    /// the commands that talk to an API.
    Sandbox(SandboxArgs),
    /// Sign in, see where the token is kept, sign out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The best matches for a query, one line each. Filters as in the
    /// list (assigned:me tag:vip budget:>5000 …) and saved searches
    /// (@NAME) work here too.
    Find {
        /// Words, filters and @NAME, one argument or several (a filter
        /// that starts with `-` goes after `--`: rolo find -- -tag:cold).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// At most this many (10, or every match with --ids).
        #[arg(long)]
        limit: Option<usize>,
        /// Only the contacts assigned to the profile's user.
        #[arg(long)]
        mine: bool,
        /// JSON, with the API's field names.
        #[arg(long, conflicts_with = "ids")]
        json: bool,
        /// Bare ids, one per line, every match: for `rolo tag add - TAG` and
        /// the other commands that take `-`.
        #[arg(long)]
        ids: bool,
        /// Every location synced on this machine, each row named by its
        /// profile: the caches alone, no network.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
    },
    /// A contact card: fields, tags, open tasks, recent notes, upcoming appointments.
    Show {
        /// A contact id or a query that matches one contact, or `-` for
        /// each contact whose id is on standard input.
        contact: String,
        #[arg(long)]
        json: bool,
    },
    /// A contact's messages on every channel, newest first: time, channel,
    /// in (←) or out (→), and the text's first line (a call's status and
    /// length, an email's subject).
    Messages {
        /// A contact id or a query that matches one contact.
        contact: String,
        /// At most this many.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Send a contact an SMS or an email, once: through the outbox, which
    /// never sends it again after an attempt with no answer (it waits as
    /// "may have been sent" in `rolo outbox`). The text comes from TEXT,
    /// else standard input, else `$EDITOR`.
    #[command(group(clap::ArgGroup::new("channel").required(true).args(["sms", "email"])))]
    Send {
        /// A contact id or a query that matches one contact.
        contact: String,
        /// By SMS, to the contact's phone.
        #[arg(long)]
        sms: bool,
        /// By email, to the contact's email address (needs --subject).
        #[arg(long, requires = "subject")]
        email: bool,
        #[arg(long)]
        subject: Option<String>,
        /// The words to send.
        text: Option<String>,
    },
    /// The location's conversations with unread messages, newest first.
    Inbox {
        /// Only the conversations assigned to the profile's user.
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        json: bool,
    },
    /// A contact's deals: pipeline and stage by name, value, status,
    /// owner, and days in the stage.
    Deals {
        /// A contact id or a query that matches one contact, or `-` for
        /// each contact whose id is on standard input.
        contact: String,
        #[arg(long)]
        json: bool,
    },
    /// A pipeline's open deals as counts and values per stage (every
    /// pipeline when no name is given).
    Pipeline {
        /// The pipeline's name, or the start of it.
        name: Option<String>,
        /// Only the deals assigned to the profile's user.
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        json: bool,
    },
    /// The location's appointments, day by day, in its zone: time,
    /// contact, calendar, status and who is on it; overlaps marked.
    Agenda {
        /// How many days, from today.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=31))]
        days: u32,
        /// Only the appointments of the profile's user.
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        json: bool,
    },
    /// Book a contact on a calendar at the free slot nearest to a time
    /// ("fri 10am", "tomorrow 14:30", "2026-12-04 09:00"), and say which
    /// slot it took.
    Book {
        /// A contact id or a query that matches one contact.
        contact: String,
        /// The calendar's name, or the start of it.
        #[arg(long)]
        calendar: String,
        /// When, in the location's zone.
        #[arg(long)]
        at: String,
        #[arg(long)]
        title: Option<String>,
    },
    /// Set an appointment's status.
    #[command(subcommand)]
    Appointment(AppointmentCommand),
    /// Open tasks due today or overdue, across contacts.
    Today {
        #[arg(long)]
        json: bool,
        /// Only the tasks assigned to the profile's user.
        #[arg(long)]
        mine: bool,
    },
    /// Address-book lookup for mutt/neomutt `query_command` and aerc `address-book-cmd`.
    Query { query: String },
    /// Add or complete a task.
    #[command(subcommand)]
    Task(TaskCommand),
    /// Add or remove tags.
    Tag {
        /// add or rm
        #[arg(value_parser = ["add", "rm"])]
        op: String,
        /// A contact id or query, or `-` for the ids on standard input (in
        /// bulk requests of 100).
        contact: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Put a contact in a workflow, or take them out.
    Workflow {
        #[arg(value_parser = ["add", "rm"])]
        op: String,
        /// A contact id or query, or `-` for the ids on standard input.
        contact: String,
        /// The workflow's name (or its start) or id.
        workflow: String,
    },
    /// Take a contact out of a campaign, or of every one.
    Campaign {
        #[arg(value_parser = ["rm"])]
        op: String,
        /// A contact id or query, or `-` for the ids on standard input.
        contact: String,
        /// The campaign's name (or its start) or id.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        campaign: Option<String>,
        /// Every campaign the contact is in.
        #[arg(long)]
        all: bool,
    },
    /// Add a note; the body comes from standard input, or from $EDITOR.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Bring the local cache up to date (edits waiting go out first).
    Sync {
        /// Walk every contact, not only those changed since the last sync.
        #[arg(long)]
        full: bool,
    },
    /// Edits waiting to be confirmed by HighLevel: list, push, retry, discard.
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxCommand>,
        #[arg(long)]
        json: bool,
    },
    /// Print shell completions: `rolo completions bash > ~/.local/share/bash-completion/completions/rolo`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `rolo man | man -l -`.
    Man,
}

#[derive(Subcommand, Debug)]
pub enum TaskCommand {
    /// Add a task to a contact (or, with `-`, to every contact whose id
    /// is on standard input).
    Add {
        contact: String,
        #[arg(long)]
        title: String,
        /// today 17:00, tomorrow, fri 9am, +3d, 2026-12-01 14:30
        #[arg(long)]
        due: String,
        #[arg(long)]
        body: Option<String>,
    },
    /// Mark a contact's task done.
    Done { contact: String, task_id: String },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Send every waiting edit now; retries until none is left to send.
    Push,
    /// Send an edit that needs attention again.
    Retry { seq: i64 },
    /// Drop an edit that needs attention.
    Discard { seq: i64 },
    /// Stop showing the warning that edits may have been lost to a damaged
    /// outbox file (once you have checked the kept file).
    Ack,
}

#[derive(Subcommand, Debug)]
pub enum NoteCommand {
    /// Add a note to a contact.
    Add { contact: String },
}

#[derive(Subcommand, Debug)]
pub enum AuthCommand {
    /// Check a Private Integration token with the API and store it.
    Login {
        /// Read the token from standard input (for scripts), not a prompt.
        #[arg(long)]
        with_token: bool,
        /// Allow a plain file (mode 0600) when no keyring is available.
        #[arg(long)]
        insecure_storage: bool,
        /// Import an OAuth app's client id, secret and refresh token
        /// instead (with --with-token: three lines on standard input).
        #[arg(long)]
        oauth: bool,
        /// The HighLevel user (by email) this profile acts for: who "me"
        /// is in `assigned:me` and mine. Without it, a terminal login
        /// offers the location's users to pick from.
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
    },
    /// Show the profile, location, store and masked token.
    Status,
    /// Remove the stored token from every store that has it.
    Logout,
}

#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// The bearer token with full access.
    #[arg(long)]
    pub token: String,
    /// A second token that may only read.
    #[arg(long)]
    pub readonly_token: Option<String>,
    /// The one location the sandbox serves.
    #[arg(long, default_value = "sandbox-location")]
    pub location_id: String,
    /// How many contacts to seed.
    #[arg(long, default_value_t = 500)]
    pub contacts: usize,
    /// Seed for the generated data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fraction (0 to 1) of requests answered 500/502/503.
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction)]
    pub fail_rate: f64,
    /// Burst limit: requests per 10 s per token.
    #[arg(long, default_value_t = 100)]
    pub rate_limit: u32,
}

pub fn parse_fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}
