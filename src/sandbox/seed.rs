//! Deterministic, realistic demo data: the same seed and count give the same
//! location (dates are relative to the start of the current UTC day, so
//! there are always tasks due today and overdue).
//!
//! A handful of contacts carry hostile text on purpose: terminal escapes,
//! control characters, bidi overrides, emoji, right-to-left scripts and very
//! long fields. The UI must render them safely.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use crate::api::model::format_timestamp;

const FIRST: &[&str] = &[
    "Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "José", "Zoë",
    "Søren", "Łukasz", "Amélie", "Chloé", "Mateo", "Aiko", "Priya", "Olu", "Fatima", "Noah",
    "Liam", "Emma", "Olivia", "Lucas", "Mia", "Hugo", "Ines", "Yusuf", "Mei", "Sven", "Nadia",
    "Björn", "Ana", "Carlos", "Élodie", "Kofi", "Ravi", "Sofia", "Tomás", "Wen",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Núñez",
    "García",
    "Kierkegaard",
    "Nowak",
    "Dupont",
    "Martin",
    "Rossi",
    "Tanaka",
    "Patel",
    "Adeyemi",
    "Haddad",
    "Smith",
    "Johnson",
    "Brown",
    "Müller",
    "Schmidt",
    "Dubois",
    "Silva",
    "O'Brien",
    "Kowalski",
    "Nakamura",
    "Andersson",
    "Chen",
    "Okafor",
    "Ivanova",
    "Costa",
];
const COMPANIES: &[&str] = &[
    "Acme Roofing",
    "Bluebird Dental",
    "Northwind Realty",
    "Lakeside Yoga",
    "Summit HVAC",
    "Bright Smile Orthodontics",
    "Crescent Law Group",
    "Harbor Auto Repair",
    "Evergreen Landscaping",
    "Pinecone Bakery",
    "Riverbend Chiropractic",
    "Golden Gate Fitness",
    "Maple Street Vets",
    "Sunrise Solar",
    "Keystone Plumbing",
    "Atlas Movers",
    "Copperleaf Salon",
    "Ironwood Gym",
    "Silverline Insurance",
    "Oakridge Pediatrics",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];
const TAGS: &[&str] = &[
    "vip",
    "lead",
    "customer",
    "newsletter",
    "follow-up",
    "hot",
    "cold",
    "wholesale",
    "partner",
    "referral",
    "renewal-2027",
    "webinar",
    "trial",
    "churn-risk",
    "facebook-ad",
];
/// City, state, country, and the city's IANA zone.
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Austin", "TX", "US", "America/Chicago"),
    ("Denver", "CO", "US", "America/Denver"),
    ("Portland", "OR", "US", "America/Los_Angeles"),
    ("Toronto", "ON", "CA", "America/Toronto"),
    ("Manchester", "", "GB", "Europe/London"),
    ("Lyon", "", "FR", "Europe/Paris"),
    ("Sydney", "NSW", "AU", "Australia/Sydney"),
    ("Miami", "FL", "US", "America/New_York"),
];
pub const SOURCES: &[&str] = &[
    "website form",
    "facebook",
    "google ads",
    "referral",
    "import",
    "walk-in",
];
const TASK_TITLES: &[&str] = &[
    "Call back about quote",
    "Send proposal",
    "Follow up on invoice",
    "Confirm appointment",
    "Ask for a review",
    "Check in after install",
    "Prepare renewal offer",
    "Email contract",
    "Schedule site visit",
    "Update billing details",
];
const NOTE_LINES: &[&str] = &[
    "Spoke on the phone; interested in the premium plan.",
    "Prefers email over calls, mornings only.",
    "Asked about financing options for the spring project.",
    "Left a voicemail, no answer.",
    "Referred by a neighbour who is already a customer.",
    "Budget is tight this quarter; revisit in January.",
    "Wants the quote broken down by phase.",
    "Decision maker is the co-owner, not this contact.",
    "Happy with the last job; might order again in summer.",
    "Complained about the response time on the last ticket.",
];
const APPT_TITLES: &[&str] = &[
    "Consultation",
    "Site visit",
    "Follow-up call",
    "Demo",
    "Quarterly review",
    "Cleaning",
];
const APPT_STATUSES: &[&str] = &["confirmed", "new", "showed", "noshow", "cancelled"];

/// Everything a seeded location holds, as wire-shaped JSON objects.
pub struct SeedData {
    pub contacts: Vec<Map<String, Value>>,
    pub tasks: Vec<Map<String, Value>>,
    pub notes: Vec<Map<String, Value>>,
    pub appointments: Vec<Map<String, Value>>,
    pub users: Vec<Map<String, Value>>,
    /// The ids of the location's calendars, which the appointments name.
    pub calendar_ids: Vec<String>,
}

/// A 20-character id in HighLevel's alphabet.
/// Values for the custom fields beyond budget and lead source, some left
/// empty, from a generator of their own: the rest of the seed stays as it
/// was before these fields existed. Stored as strings, as the spec's
/// contact says; a list as its items joined by ", ".
fn more_custom_values(c: &mut Value, seed: u64, i: usize, anchor: DateTime<Utc>, staff: &[String]) {
    let mut rng = fastrand::Rng::with_seed(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let Some(list) = c["customFields"].as_array_mut() else {
        return;
    };
    let mut put = |id: &str, v: String| list.push(json!({"id": id, "value": v}));
    if rng.u8(..3) > 0 {
        let d = anchor + Duration::days(rng.i64(-30..400));
        put("cfRenewal000000000003", d.format("%Y-%m-%d").to_string());
    }
    if rng.bool() {
        put("cfOptIn00000000000004", "Yes".into());
    }
    let interests = ["roofing", "solar", "gutters", "windows"];
    let picked: Vec<&str> = interests
        .iter()
        .copied()
        .filter(|_| rng.u8(..3) == 0)
        .collect();
    if !picked.is_empty() {
        put("cfInterests0000000005", picked.join(", "));
    }
    if rng.u8(..4) == 0 {
        put(
            "cfCrewNotes0000000006",
            format!(
                "{} {}\n{}",
                pick(&mut rng, NOTE_LINES),
                pick(&mut rng, NOTE_LINES),
                pick(&mut rng, NOTE_LINES)
            ),
        );
    }
    if rng.bool() {
        put("cfSeats00000000000007", rng.u32(1..40).to_string());
    }
    if rng.bool() {
        put("cfJobTitle00000000008", pick(&mut rng, JOB_TITLES).into());
    }
    if rng.u8(..3) == 0 {
        put(
            "cfSitePhone0000000009",
            format!("+1555{:03}{:04}", rng.u32(200..999), rng.u32(0..10_000)),
        );
    }
    if rng.u8(..3) == 0 {
        put(
            "cfBillingEmail0000010",
            format!("billing{i}@{}", pick(&mut rng, DOMAINS)),
        );
    }
    if rng.bool() {
        put(
            "cfPreferred0000000011",
            pick(&mut rng, &["Phone", "Email", "Text message"]).into(),
        );
    }
    if rng.u8(..6) == 0 {
        put(
            "cfPermitScan000000012",
            format!("permit-{}.pdf", rng.u32(1000..9999)),
        );
    }
    // Followers: a colleague or two keeping an eye on a third of them.
    if rng.u8(..3) == 0 && !staff.is_empty() {
        let mut f = vec![staff[rng.usize(..staff.len())].clone()];
        let other = staff[rng.usize(..staff.len())].clone();
        if rng.bool() && !f.contains(&other) {
            f.push(other);
        }
        c["followers"] = json!(f);
    }
}

const JOB_TITLES: &[&str] = &[
    "Owner",
    "Office manager",
    "Facilities lead",
    "Property manager",
    "Homeowner",
    "Operations director",
];

pub fn make_id(rng: &mut fastrand::Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..20)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

fn pick<'a>(rng: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[rng.usize(..from.len())]
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Hostile contacts replace ordinary ones at fixed positions.
fn hostile(i: usize) -> Option<(&'static str, &'static str, &'static str)> {
    // (firstName, lastName, companyName)
    const H: &[(&str, &str, &str)] = &[
        (
            "\u{1b}[31mRed\u{1b}[0m",
            "Escape\u{1b}[2J",
            "Clear\u{1b}]0;pwned\u{7}Screen Ltd",
        ),
        ("Rïght\u{202E}txet", "Override", "\u{200F}شركة الأمل"),
        ("محمد", "الأحمد", "مؤسسة النور للتجارة"),
        ("🦀 Ferris", "Crab 🦀🦀", "Rustaceans 🚀 Inc"),
        ("Bell\u{7}\u{8}\u{8}", "Back\rspace", "Tab\tCo\u{0}Null"),
        ("Long", "Fields", ""),
    ];
    H.get(i).copied()
}

/// The seeded contacts in the API's model, for tests and benchmarks, with
/// dates anchored at 2026-11-24.
pub fn model_contacts(
    count: usize,
    seed: u64,
    location_id: &str,
) -> Vec<crate::api::model::Contact> {
    use chrono::TimeZone;
    let anchor = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    generate(count, seed, location_id, anchor)
        .contacts
        .into_iter()
        .filter_map(|m| serde_json::from_value(Value::Object(m)).ok())
        .collect()
}

/// How many contacts, in seed order, have a history: tasks, notes,
/// appointments, and (in their services' seeds) deals, conversations and
/// campaigns. The rest are contacts alone, as most of a large location's
/// are; this keeps a seed of a million contacts small.
pub const WITH_HISTORY: usize = 20_000;

/// One seeded contact, and its tasks, notes and appointments (none past
/// [`WITH_HISTORY`]).
pub struct Drawn {
    pub contact: Map<String, Value>,
    pub tasks: Vec<Map<String, Value>>,
    pub notes: Vec<Map<String, Value>>,
    pub appointments: Vec<Map<String, Value>>,
}

/// The seeded location's contacts, drawn one at a time from a single
/// random stream. Contact `i` depends only on this generator and the
/// stream's state when `i` began ([`fastrand::Rng::get_seed`]), so a
/// store can keep that state (8 bytes) and draw the contact again when it
/// is asked for, instead of holding it.
pub struct Generator {
    seed: u64,
    location_id: String,
    anchor: DateTime<Utc>,
    hostile_every: usize,
    calendar_ids: Vec<String>,
    user_ids: Vec<String>,
    staff: Vec<String>,
    business_ids: Vec<String>,
}

impl Generator {
    /// The generator for `count` contacts, the location's users, and the
    /// stream positioned at contact 0.
    pub fn new(
        count: usize,
        seed: u64,
        location_id: &str,
        anchor: DateTime<Utc>,
    ) -> (Generator, Vec<Map<String, Value>>, fastrand::Rng) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let calendar_ids: Vec<String> = (0..3).map(|_| make_id(&mut rng)).collect();
        // Four users own the seeded work; eight more (from a stream of their
        // own, so the rest of the seed stays as it was) make a dozen.
        let user_ids: Vec<String> = (0..4).map(|_| make_id(&mut rng)).collect();
        let mut staff = user_ids.clone();
        let mut more = fastrand::Rng::with_seed(seed ^ 0x0057_aff0);
        staff.extend((0..8).map(|_| make_id(&mut more)));
        let users = super::users::seed(&staff, seed);
        let business_ids: Vec<String> = COMPANIES.iter().map(|_| make_id(&mut rng)).collect();
        let generator = Generator {
            seed,
            location_id: location_id.to_string(),
            anchor,
            hostile_every: (count / 6).max(1),
            calendar_ids,
            user_ids,
            staff,
            business_ids,
        };
        (generator, users, rng)
    }

    pub fn calendar_ids(&self) -> &[String] {
        &self.calendar_ids
    }

    /// Contact `i`, drawn from the stream state it began at.
    pub fn at(&self, i: usize, state: u64) -> Drawn {
        self.one(i, &mut fastrand::Rng::with_seed(state))
    }

    /// Contact `i`, drawn from `rng`, which is left where contact `i + 1`
    /// begins.
    pub fn one(&self, i: usize, rng: &mut fastrand::Rng) -> Drawn {
        let (seed, location_id, anchor) = (self.seed, self.location_id.as_str(), self.anchor);
        let (calendar_ids, user_ids) = (&self.calendar_ids, &self.user_ids);
        let (staff, business_ids, hostile_every) =
            (&self.staff, &self.business_ids, self.hostile_every);
        let rng = &mut *rng;
        let mut data = Drawn {
            contact: Map::new(),
            tasks: Vec::new(),
            notes: Vec::new(),
            appointments: Vec::new(),
        };
        let id = make_id(rng);
        let mut first = pick(rng, FIRST).to_string();
        let mut last = pick(rng, LAST).to_string();
        let company_idx = (rng.u8(..10) < 7).then(|| rng.usize(..COMPANIES.len()));
        let mut company = company_idx
            .map(|i| COMPANIES[i].to_string())
            .unwrap_or_default();
        let h = (i % hostile_every == 3)
            .then(|| hostile(i / hostile_every))
            .flatten();
        if let Some((f, l, c)) = h {
            first = f.into();
            last = l.into();
            company = c.into();
            if f == "Long" {
                company = "Very Long Company Name Holdings International ".repeat(12);
                last = format!("Fields{}", "x".repeat(300));
            }
        }
        let ascii = |s: &str| -> String {
            s.chars()
                .filter_map(|c| match c {
                    'a'..='z' | '0'..='9' => Some(c),
                    'A'..='Z' => Some(c.to_ascii_lowercase()),
                    'é' | 'è' | 'ë' | 'É' => Some('e'),
                    'á' | 'à' | 'ä' => Some('a'),
                    'ö' | 'ø' | 'ó' => Some('o'),
                    'ü' | 'ú' => Some('u'),
                    'ï' | 'í' => Some('i'),
                    'ñ' => Some('n'),
                    'Ł' | 'ł' => Some('l'),
                    'ç' => Some('c'),
                    _ => None,
                })
                .take(24)
                .collect()
        };
        let local = match (ascii(&first), ascii(&last)) {
            (f, l) if !f.is_empty() && !l.is_empty() => format!("{f}.{l}{i}"),
            _ => format!("contact{i}"),
        };
        let email = format!("{local}@{}", pick(rng, DOMAINS));
        let phone = format!("+1555{:03}{:04}", rng.u32(200..999), rng.u32(0..10_000));
        let added = anchor - Duration::minutes(rng.i64(60..60 * 24 * 730));
        let updated = added + Duration::minutes(rng.i64(0..60 * 24 * 30));
        let updated = updated.min(anchor);
        let mut tags: Vec<String> = Vec::new();
        for _ in 0..rng.usize(0..4) {
            let t = pick(rng, TAGS).to_string();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let (city, state, country, zone) = CITIES[rng.usize(..CITIES.len())];
        let mut c = json!({
            "id": id,
            "locationId": location_id,
            "firstName": first,
            "lastName": last,
            "name": format!("{first} {last}"),
            "firstNameLowerCase": first.to_lowercase(),
            "lastNameLowerCase": last.to_lowercase(),
            "fullNameLowerCase": format!("{first} {last}").to_lowercase(),
            "email": email,
            "emailLowerCase": email.to_lowercase(),
            "phone": phone,
            "type": if rng.bool() { "lead" } else { "customer" },
            "source": pick(rng, SOURCES),
            "dnd": rng.u8(..20) == 0,
            "tags": tags,
            "dateAdded": format_timestamp(added),
            "dateUpdated": format_timestamp(updated),
            "city": city,
            "country": country,
            "timezone": zone,
            "customFields": [
                {"id": "cfBudget0000000000001", "value": format!("{}", rng.u32(1..50) * 500)},
                {"id": "cfReferral00000000002", "value": pick(rng, SOURCES)},
            ],
            "dndSettings": {"Email": {"status": "inactive"}, "SMS": {"status": if rng.bool() {"active"} else {"inactive"}, "message": "opted out by text"}},
            "attributionSource": {"url": "https://www.example.com/contact", "utmSource": "newsletter", "medium": "form"},
        });
        if !state.is_empty() {
            c["state"] = json!(state);
        }
        if !company.is_empty() {
            c["companyName"] = json!(company);
        }
        if let (Some(i), None) = (company_idx, h) {
            c["businessId"] = json!(business_ids[i]);
        }
        if rng.bool() {
            c["address1"] = json!(format!("{} {} St", rng.u32(1..9999), pick(rng, LAST)));
            c["postalCode"] = json!(format!("{:05}", rng.u32(10000..99999)));
        }
        if rng.u8(..4) == 0 {
            c["website"] = json!(format!("https://{}.example.com", ascii(&last)));
        }
        if rng.u8(..3) == 0 {
            c["assignedTo"] = json!(user_ids[rng.usize(..user_ids.len())]);
        }
        more_custom_values(&mut c, seed, i, anchor, staff);
        data.contact = obj(c);

        // Tasks: some overdue, some due today, some done, some later.
        for t in 0..rng.usize(0..4) {
            let due = match rng.u8(..6) {
                0 => anchor - Duration::days(rng.i64(1..20)) + Duration::hours(rng.i64(8..18)),
                1 | 2 => anchor + Duration::hours(rng.i64(8..20)),
                _ => anchor + Duration::days(rng.i64(1..30)) + Duration::hours(rng.i64(8..18)),
            };
            let mut title = pick(rng, TASK_TITLES).to_string();
            if h.is_some() && t == 0 {
                title = "Escape \u{1b}[5mblink\u{1b}[0m task".into();
            }
            let mut task = json!({
                "id": make_id(rng),
                "title": title,
                "body": format!("{} {}", pick(rng, NOTE_LINES), pick(rng, NOTE_LINES)),
                "dueDate": format_timestamp(due),
                "completed": rng.u8(..5) == 0,
                "contactId": id,
            });
            if rng.bool() {
                task["assignedTo"] = json!(user_ids[rng.usize(..user_ids.len())]);
            }
            data.tasks.push(obj(task));
        }

        // Notes of varied length, from one line to several paragraphs.
        for _ in 0..rng.usize(0..4) {
            let paragraphs = rng.usize(1..4);
            let mut body = String::new();
            for p in 0..paragraphs {
                if p > 0 {
                    body.push_str("\n\n");
                }
                for s in 0..rng.usize(1..5) {
                    if s > 0 {
                        body.push(' ');
                    }
                    body.push_str(pick(rng, NOTE_LINES));
                }
            }
            if h.is_some() {
                body.push_str("\n\u{1b}[1;31mPASTED FROM TERMINAL\u{1b}[0m \u{7}");
            }
            let added = anchor - Duration::minutes(rng.i64(10..60 * 24 * 200));
            data.notes.push(obj(json!({
                "id": make_id(rng),
                "body": body,
                "userId": user_ids[rng.usize(..user_ids.len())],
                "dateAdded": format_timestamp(added),
                "contactId": id,
            })));
        }

        // Appointments, past and upcoming.
        for _ in 0..rng.usize(0..3) {
            let start = anchor + Duration::hours(rng.i64(-24 * 60..24 * 45));
            let start = start - Duration::minutes(start.timestamp() / 60 % 30);
            let status = if start > anchor {
                *[APPT_STATUSES[0], APPT_STATUSES[1], APPT_STATUSES[4]]
                    .get(rng.usize(..3))
                    .unwrap_or(&"confirmed")
            } else {
                pick(rng, APPT_STATUSES)
            };
            let user = user_ids[rng.usize(..user_ids.len())].clone();
            let added = start - Duration::days(rng.i64(1..30));
            data.appointments.push(obj(json!({
                "id": make_id(rng),
                "calendarId": calendar_ids[rng.usize(..calendar_ids.len())],
                "status": "booked",
                "title": format!("{} with {first}", pick(rng, APPT_TITLES)),
                "appointmentStatus": status,
                "assignedUserId": user,
                "users": [user],
                "notes": "",
                "address": "Zoom",
                "startTime": format_timestamp(start),
                "endTime": format_timestamp(start + Duration::minutes(30 * rng.i64(1..4))),
                "locationId": location_id,
                "contactId": id,
                "dateAdded": format_timestamp(added),
                "dateUpdated": format_timestamp(added),
            })));
        }
        if i >= WITH_HISTORY {
            // Drawn all the same, so the stream stays as it was.
            data.tasks.clear();
            data.notes.clear();
            data.appointments.clear();
        }
        data
    }
}

pub fn generate(count: usize, seed: u64, location_id: &str, anchor: DateTime<Utc>) -> SeedData {
    let (generator, users, mut rng) = Generator::new(count, seed, location_id, anchor);
    let mut data = SeedData {
        contacts: Vec::with_capacity(count),
        tasks: Vec::new(),
        notes: Vec::new(),
        appointments: Vec::new(),
        users,
        calendar_ids: generator.calendar_ids.clone(),
    };
    for i in 0..count {
        let one = generator.one(i, &mut rng);
        data.contacts.push(one.contact);
        data.tasks.extend(one.tasks);
        data.notes.extend(one.notes);
        data.appointments.extend(one.appointments);
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        let anchor = Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let a = generate(300, 7, "loc", anchor);
        let b = generate(300, 7, "loc", anchor);
        assert_eq!(a.contacts, b.contacts);
        assert_eq!(a.tasks, b.tasks);
        let c = generate(300, 8, "loc", anchor);
        assert_ne!(a.contacts, c.contacts);
        assert_eq!(a.contacts.len(), 300);
        let text = serde_json::to_string(&a.contacts).unwrap();
        assert!(text.contains("\\u001b["), "hostile escapes are seeded");
        assert!(text.contains('🦀'));
        let due_today = a
            .tasks
            .iter()
            .filter(|t| {
                let d = crate::api::model::parse_timestamp(t["dueDate"].as_str().unwrap()).unwrap();
                d.date_naive() == anchor.date_naive()
            })
            .count();
        assert!(due_today > 0);
        assert!(a.tasks.iter().any(|t| t["completed"] == true));
    }
}
