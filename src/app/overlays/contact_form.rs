//! The contact form: the fields a contact edit or creation sends.

use super::field_input::FieldInput;
use crate::app::forms::{line_input, text_of};
use crate::app::*;
use crate::zone::Zone;
use chrono::DateTime;
use ratatui_textarea::TextArea;
use serde_json::Value;

/// The fields of the contact form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactInput {
    FirstName,
    LastName,
    Email,
    Phone,
    /// Only on create: API v2's UpdateContactDto has no `companyName`.
    Company,
    Address1,
    City,
    State,
    PostalCode,
    Country,
    Website,
}

impl ContactInput {
    pub fn label(self) -> &'static str {
        match self {
            ContactInput::FirstName => "First name",
            ContactInput::LastName => "Last name",
            ContactInput::Email => "Email",
            ContactInput::Phone => "Phone",
            ContactInput::Company => "Company",
            ContactInput::Address1 => "Address",
            ContactInput::City => "City",
            ContactInput::State => "State",
            ContactInput::PostalCode => "Postal code",
            ContactInput::Country => "Country",
            ContactInput::Website => "Website",
        }
    }

    fn get(self, c: &Contact) -> Option<&str> {
        match self {
            ContactInput::FirstName => c.first_name.as_deref(),
            ContactInput::LastName => c.last_name.as_deref(),
            ContactInput::Email => c.email.as_deref(),
            ContactInput::Phone => c.phone.as_deref(),
            ContactInput::Company => c.company_name.as_deref(),
            ContactInput::Address1 => c.address1.as_deref(),
            ContactInput::City => c.city.as_deref(),
            ContactInput::State => c.state.as_deref(),
            ContactInput::PostalCode => c.postal_code.as_deref(),
            ContactInput::Country => c.country.as_deref(),
            ContactInput::Website => c.website.as_deref(),
        }
    }

    fn set(self, c: &mut Contact, v: Option<String>) {
        let slot = match self {
            ContactInput::FirstName => &mut c.first_name,
            ContactInput::LastName => &mut c.last_name,
            ContactInput::Email => &mut c.email,
            ContactInput::Phone => &mut c.phone,
            ContactInput::Company => &mut c.company_name,
            ContactInput::Address1 => &mut c.address1,
            ContactInput::City => &mut c.city,
            ContactInput::State => &mut c.state,
            ContactInput::PostalCode => &mut c.postal_code,
            ContactInput::Country => &mut c.country,
            ContactInput::Website => &mut c.website,
        };
        *slot = v;
    }

    /// An inline problem with the value, if any.
    pub fn check(self, v: &str) -> Option<&'static str> {
        let v = v.trim();
        match self {
            _ if v.is_empty() => None,
            ContactInput::Email if !crate::input::is_email(v) => Some("not a valid email address"),
            ContactInput::Phone if !crate::input::is_phone(v) => {
                Some("7 to 15 digits; + ( ) - . and spaces allowed")
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContactForm {
    /// The contact being edited; `None` creates one.
    pub editing: Option<Contact>,
    pub inputs: Vec<(ContactInput, TextArea<'static>)>,
    pub focus: usize,
    pub error: Option<String>,
    /// Esc (or ctrl-c) on typed text asks once more before losing it.
    pub confirm_discard: bool,
    /// Each input's text as the form opened.
    initial: Vec<String>,
    /// The location's custom fields, after the inputs, in `position` order.
    pub fields: Vec<FieldInput>,
    /// When and where the form opened: dates typed as `fri` are read so.
    pub now: DateTime<Zone>,
}

impl ContactForm {
    fn snapshot(&self) -> Vec<String> {
        self.inputs.iter().map(|(_, t)| text_of(t)).collect()
    }

    /// Whether anything was typed since the form opened.
    pub fn unsaved(&self) -> bool {
        self.snapshot() != self.initial || self.fields.iter().any(FieldInput::changed)
    }

    /// How many rows take focus in turn: the inputs, then the fields.
    pub fn rows(&self) -> usize {
        self.inputs.len() + self.fields.len()
    }

    /// The custom field under focus, if it is one.
    pub fn focused_field(&self) -> Option<&FieldInput> {
        self.focus
            .checked_sub(self.inputs.len())
            .and_then(|i| self.fields.get(i))
    }

    /// Moves focus a row on or back (wrapping), past read-only fields.
    fn step(&mut self, forward: bool) {
        let n = self.rows().max(1);
        for _ in 0..n {
            self.focus = if forward {
                (self.focus + 1) % n
            } else {
                self.focus.checked_sub(1).unwrap_or(n - 1)
            };
            if self.focused_field().is_none_or(FieldInput::editable) {
                return;
            }
        }
    }

    /// The form for `editing` (or a new contact), with an input for each
    /// of the location's custom fields `defs`.
    pub fn new(editing: Option<&Contact>, defs: &[CustomField], now: DateTime<Zone>) -> Self {
        let mut form = Self::plain(editing, now);
        let value = |id: &str| {
            editing
                .and_then(|c| c.custom_fields.as_ref())
                .and_then(|vs| vs.iter().find(|v| v.id == id))
                .and_then(|v| v.value.as_ref())
        };
        form.fields = defs
            .iter()
            .filter(|d| !d.id.is_empty())
            .map(|d| FieldInput::new(d, value(&d.id)))
            .collect();
        form
    }

    fn plain(editing: Option<&Contact>, now: DateTime<Zone>) -> Self {
        let mut kinds = vec![
            ContactInput::FirstName,
            ContactInput::LastName,
            ContactInput::Email,
            ContactInput::Phone,
            // Editable too: HighLevel's PUT takes companyName, though the
            // spec's DTO leaves it out (highlevel-api-docs#314).
            ContactInput::Company,
        ];
        kinds.extend([
            ContactInput::Address1,
            ContactInput::City,
            ContactInput::State,
            ContactInput::PostalCode,
            ContactInput::Country,
            ContactInput::Website,
        ]);
        let inputs = kinds
            .into_iter()
            .map(|k| (k, line_input(editing.and_then(|c| k.get(c)).unwrap_or(""))))
            .collect();
        let mut f = Self {
            editing: editing.cloned(),
            inputs,
            focus: 0,
            error: None,
            confirm_discard: false,
            initial: Vec::new(),
            fields: Vec::new(),
            now,
        };
        f.initial = f.snapshot();
        f
    }

    pub fn value(&self, k: ContactInput) -> Option<String> {
        self.inputs
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|(_, t)| text_of(t).trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The first row with a problem, its label, and the problem.
    pub fn first_problem(&self) -> Option<(usize, String, String)> {
        let standard = self.inputs.iter().enumerate().find_map(|(i, (k, t))| {
            k.check(&text_of(t))
                .map(|p| (i, k.label().to_string(), p.to_string()))
        });
        standard.or_else(|| {
            self.fields.iter().enumerate().find_map(|(i, f)| {
                f.value(self.now)
                    .err()
                    .map(|p| (self.inputs.len() + i, f.label().to_string(), p))
            })
        })
    }

    /// The custom fields the user changed, with their checked values.
    pub fn changed_values(&self) -> Vec<(String, Value)> {
        self.fields
            .iter()
            .filter(|f| f.changed())
            .filter_map(|f| Some((f.def.id.clone(), f.value(self.now).ok()?)))
            .collect()
    }

    /// `base` with the form's values applied.
    /// `base` with the fields the user changed: an input left as it was
    /// opened keeps the contact's value exactly (untrimmed, unnormalized),
    /// so only what was typed is sent. `name` is HighLevel's to derive.
    pub fn apply(&self, base: &Contact) -> Contact {
        let mut c = base.clone();
        for (i, (k, t)) in self.inputs.iter().enumerate() {
            if self.initial.get(i).is_none_or(|was| *was != text_of(t)) {
                k.set(&mut c, self.value(*k));
            }
        }
        for (id, v) in self.changed_values() {
            let list = c.custom_fields.get_or_insert_with(Vec::new);
            let shown = (!crate::api::model::custom_text(&v).is_empty()).then_some(v);
            match list.iter_mut().find(|x| x.id == id) {
                Some(x) => x.value = shown,
                None => list.push(CustomFieldValue {
                    id,
                    value: shown,
                    ..CustomFieldValue::default()
                }),
            }
        }
        c
    }

    /// How `after` shows in the list until HighLevel answers: its name
    /// follows a changed first or last name.
    pub fn shown(before: &Contact, after: &Contact) -> Contact {
        let mut c = after.clone();
        if (before.first_name != after.first_name || before.last_name != after.last_name)
            && before.name.is_some()
        {
            let name = [c.first_name.as_deref(), c.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            c.name = (!name.is_empty()).then_some(name);
        }
        c
    }
}

pub(crate) fn contact_key(
    s: &mut State,
    mut f: Box<ContactForm>,
    k: KeyEvent,
    out: &mut Vec<Command>,
) -> Option<Overlay> {
    // The last row that takes focus (a read-only field never does).
    let last = (0..f.rows())
        .rev()
        .find(|&i| {
            i.checked_sub(f.inputs.len())
                .and_then(|j| f.fields.get(j))
                .is_none_or(FieldInput::editable)
        })
        .unwrap_or(0);
    let newline = f.focused_field().is_some_and(|x| x.takes_newline(k));
    let save = !newline
        && ((k.code == KeyCode::Char('s') && k.modifiers.contains(KeyModifiers::CONTROL))
            || (k.code == KeyCode::Enter && f.focus == last));
    if k.code == KeyCode::Esc {
        if !f.unsaved() || f.confirm_discard {
            return None;
        }
        f.confirm_discard = true;
        f.error = Some(DISCARD_HINT.into());
        return Some(Overlay::Contact(f));
    }
    f.confirm_discard = false;
    let on_field = f.focus.checked_sub(f.inputs.len());
    match k.code {
        KeyCode::Tab | KeyCode::Down => f.step(true),
        KeyCode::BackTab | KeyCode::Up => f.step(false),
        _ if newline => {
            if let Some(field) = on_field.and_then(|i| f.fields.get_mut(i)) {
                field.key(k);
            }
        }
        KeyCode::Enter if !save => {
            if f.focus < last {
                f.step(true);
            }
        }
        _ if save => {}
        _ if on_field.is_some() => {
            if let Some(field) = on_field.and_then(|i| f.fields.get_mut(i))
                && field.key(k)
            {
                f.error = None;
            }
        }
        _ => {
            if let KeyCode::Char(c) = k.code
                && crate::text::is_unsafe(c)
            {
                return Some(Overlay::Contact(f));
            }
            if let Some((_, t)) = f.inputs.get_mut(f.focus) {
                t.input(k);
            }
            f.error = None;
        }
    }
    if !save {
        return Some(Overlay::Contact(f));
    }
    if let Some((i, label, problem)) = f.first_problem() {
        f.focus = i;
        f.error = Some(format!("{label}: {problem}"));
        return Some(Overlay::Contact(f));
    }
    match f.editing.clone() {
        Some(before) => {
            let after = f.apply(&before);
            let update = ContactUpdate::diff(&before, &after);
            if update.is_empty() {
                s.notice = Some("No changes.".into());
                return None;
            }
            let base = ContactUpdate::diff(&after, &before);
            let shown = ContactForm::shown(&before, &after);
            s.edit_contact(
                before,
                after,
                shown,
                update,
                Some(base),
                Some(f.clone()),
                out,
            );
        }
        None => {
            use forms::ContactInput as I;
            if f.value(I::FirstName).is_none()
                && f.value(I::LastName).is_none()
                && f.value(I::Email).is_none()
                && f.value(I::Phone).is_none()
            {
                f.error = Some("Give at least a name, an email or a phone.".into());
                return Some(Overlay::Contact(f));
            }
            let temp = s.temp_id();
            let shown = f.apply(&Contact {
                id: temp.clone(),
                ..Contact::default()
            });
            let new = NewContact {
                first_name: f.value(I::FirstName),
                last_name: f.value(I::LastName),
                email: f.value(I::Email),
                phone: f.value(I::Phone),
                company_name: f.value(I::Company),
                address1: f.value(I::Address1),
                city: f.value(I::City),
                state: f.value(I::State),
                postal_code: f.value(I::PostalCode),
                country: f.value(I::Country),
                website: f.value(I::Website),
                custom_fields: {
                    let values: Vec<Value> = f
                        .changed_values()
                        .into_iter()
                        .map(|(id, v)| serde_json::json!({"id": id, "field_value": v}))
                        .collect();
                    (!values.is_empty()).then_some(values)
                },
                ..NewContact::default()
            };
            s.merge_contacts(vec![shown]);
            if let Some(pos) = s.list.hits.iter().position(|h| s.list.id(h.index) == temp) {
                s.list.selected = pos;
                s.ensure_visible();
                s.follow_selection();
            }
            s.request(
                out,
                ApiOp::CreateContact(new),
                Priority::Interactive,
                None,
                Purpose::Contact(ContactWait::Create {
                    temp_id: temp,
                    form: f,
                }),
            );
        }
    }
    None
}

impl State {
    /// The contact form for `c` (or a new contact), with the location's
    /// custom fields as far as they are known.
    pub(crate) fn contact_form(&self, c: Option<&Contact>) -> ContactForm {
        let defs = self.custom_fields.loaded().map_or(&[][..], Vec::as_slice);
        ContactForm::new(c, defs, self.now.with_timezone(&self.zone))
    }

    /// Changes a contact: `shown` on screen at once, undoable back to
    /// `before`, and `update` sent (with `base`, what the server should
    /// still hold, when it is known); a refusal puts `before` back and
    /// reopens `form` if there was one.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn edit_contact(
        &mut self,
        before: Contact,
        after: Contact,
        shown: Contact,
        update: ContactUpdate,
        base: Option<ContactUpdate>,
        form: Option<Box<ContactForm>>,
        out: &mut Vec<Command>,
    ) {
        self.replace_contact(&before.id, shown);
        self.undo.push(Undo::ContactEdited {
            before: Box::new(before.clone()),
            after: Box::new(after),
        });
        self.request(
            out,
            ApiOp::UpdateContact {
                id: before.id.clone(),
                update,
                base,
            },
            Priority::Interactive,
            None,
            Purpose::Contact(ContactWait::Update {
                before: Box::new(before),
                form,
            }),
        );
    }
}

/// The writes of contacts, and what to put back if one fails.
#[derive(Debug, Clone)]
pub(crate) enum ContactWait {
    Create {
        temp_id: String,
        form: Box<ContactForm>,
    },
    Update {
        before: Box<Contact>,
        /// The form it was typed in (not for an undo).
        form: Option<Box<ContactForm>>,
    },
    Delete {
        contact: Box<Contact>,
    },
}

pub(crate) fn contact_answer(s: &mut State, w: ContactWait, r: Result<ApiResponse, ApiError>) {
    match (w, r) {
        (ContactWait::Create { temp_id, .. }, Ok(ApiResponse::Contact(c))) => {
            s.replace_contact(&temp_id, c);
        }
        (ContactWait::Create { temp_id, mut form }, Err(err)) => {
            s.remove_contact(&temp_id);
            form.error = Some(err.to_string());
            s.keep_typed("contact", Overlay::Contact(form), &err);
        }
        (ContactWait::Update { before, .. }, Ok(ApiResponse::Contact(c))) => {
            s.replace_contact(&before.id, c);
        }
        (ContactWait::Update { before, form }, Err(err)) => {
            let id = before.id.clone();
            s.undo
                .retain(|u| !matches!(u, Undo::ContactEdited { after, .. } if after.id == id));
            s.replace_contact(&id, *before);
            match form {
                Some(form) => s.keep_typed("contact edit", Overlay::Contact(form), &err),
                None => s.set_error("Could not save the contact (rolled back)", &err),
            }
        }
        (ContactWait::Delete { .. }, Ok(_)) => {}
        (ContactWait::Delete { contact }, Err(err)) => {
            s.merge_contacts(vec![*contact]);
            s.set_error("Could not delete the contact (restored)", &err);
        }
        (w, r) => tracing::warn!(?w, ?r, "unexpected answer"),
    }
}
