//! Every client endpoint against the sandbox over loopback, checked both
//! through the client's answers and through the server's own state.

mod support;

use rolo::api::ApiError;
use rolo::api::model::*;
use support::{client, sandbox};

#[tokio::test]
async fn task_lifecycle() {
    let sb = sandbox(support::config(20)).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[0].clone());
    let before = c.tasks(&cid).await.unwrap().len();

    let created = c
        .create_task(
            &cid,
            &NewTask {
                title: "Send proposal".into(),
                body: Some("Two options, phased.".into()),
                due_date: "2026-12-01T14:30:00.000Z".into(),
                completed: false,
                assigned_to: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(created.title.as_deref(), Some("Send proposal"));
    assert!(!created.completed);
    assert_eq!(created.contact_id.as_deref(), Some(cid.as_str()));

    let fetched = c.task(&cid, &created.id).await.unwrap();
    assert_eq!(fetched.id, created.id);
    assert_eq!(c.tasks(&cid).await.unwrap().len(), before + 1);

    let updated = c
        .update_task(
            &cid,
            &created.id,
            &TaskUpdate {
                title: Some("Send revised proposal".into()),
                ..TaskUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.title.as_deref(), Some("Send revised proposal"));
    assert_eq!(
        updated.body.as_deref(),
        Some("Two options, phased."),
        "untouched fields stay"
    );

    let done = c.set_task_completed(&cid, &created.id, true).await.unwrap();
    assert!(done.completed);
    let on_server = sb.with_store(|s| {
        s.tasks_of(&cid)
            .iter()
            .find(|t| t["id"] == created.id.as_str())
            .cloned()
    });
    assert_eq!(on_server.unwrap()["completed"], true);

    c.delete_task(&cid, &created.id).await.unwrap();
    assert!(matches!(
        c.task(&cid, &created.id).await,
        Err(ApiError::NotFound { .. })
    ));
    assert_eq!(c.tasks(&cid).await.unwrap().len(), before);
}

#[tokio::test]
async fn notes_crud() {
    let sb = sandbox(support::config(10)).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[1].clone());
    let note = c
        .create_note(
            &cid,
            &NewNote {
                body: "Met at the trade show.\nWants a callback.".into(),
                ..NewNote::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c.note(&cid, &note.id).await.unwrap().body, note.body);
    let edited = c
        .update_note(
            &cid,
            &note.id,
            &NoteUpdate {
                body: Some("Met at the trade show. Called back.".into()),
                ..NoteUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        edited.body.as_deref(),
        Some("Met at the trade show. Called back.")
    );
    assert!(c.notes(&cid).await.unwrap().iter().any(|n| n.id == note.id));
    c.delete_note(&cid, &note.id).await.unwrap();
    assert!(!c.notes(&cid).await.unwrap().iter().any(|n| n.id == note.id));
    assert!(sb.with_store(|s| s.notes_of(&cid).iter().all(|n| n["id"] != note.id.as_str())));
}

#[tokio::test]
async fn tags_add_and_remove() {
    let sb = sandbox(support::config(10)).await;
    let c = client(&sb);
    let cid = sb.with_store(|s| s.contact_ids()[2].clone());
    let tags = c
        .add_tags(&cid, &["gold-tier".to_string(), "q4-push".to_string()])
        .await
        .unwrap();
    assert!(tags.contains(&"gold-tier".to_string()) && tags.contains(&"q4-push".to_string()));
    let tags = c.remove_tags(&cid, &["q4-push".to_string()]).await.unwrap();
    assert!(!tags.contains(&"q4-push".to_string()));
    assert_eq!(c.get_contact(&cid).await.unwrap().tags(), tags.as_slice());
    let location_tags = c.location_tags().await.unwrap();
    assert!(
        location_tags.iter().any(|t| t.name == "gold-tier"),
        "new tags join the location's list"
    );
    assert!(matches!(
        c.add_tags(&cid, &[]).await,
        Err(ApiError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn contact_create_update_delete_and_upsert() {
    let sb = sandbox(support::config(10)).await;
    let c = client(&sb);
    let created = c
        .create_contact(&NewContact {
            first_name: Some("Grace".into()),
            last_name: Some("Hopper".into()),
            email: Some("grace@navy.example.com".into()),
            phone: Some("+15551230000".into()),
            company_name: Some("Navy".into()),
            tags: Some(vec!["vip".into()]),
            ..NewContact::default()
        })
        .await
        .unwrap();
    assert_eq!(created.display_name(), "Grace Hopper");
    assert_eq!(created.location_id.as_deref(), Some(support::LOCATION));

    let before = c.get_contact(&created.id).await.unwrap();
    let mut after = before.clone();
    after.city = Some("Arlington".into());
    after.phone = None;
    let update = ContactUpdate::diff(&before, &after);
    assert_eq!(update.keys().collect::<Vec<_>>(), vec!["city", "phone"]);
    let updated = c.update_contact(&created.id, &update).await.unwrap();
    assert_eq!(updated.city.as_deref(), Some("Arlington"));
    assert_eq!(updated.phone, None);
    assert_eq!(updated.email, before.email, "fields not sent are untouched");
    assert_eq!(
        updated.extra.get("customFields"),
        before.extra.get("customFields")
    );

    // A second create with the same email is refused by the server.
    let dup = c
        .create_contact(&NewContact {
            email: Some("GRACE@navy.example.com".into()),
            ..NewContact::default()
        })
        .await;
    match dup {
        Err(ApiError::Validation {
            status: 400,
            messages,
        }) => {
            assert_eq!(
                messages,
                vec!["This location does not allow duplicated contacts."]
            );
        }
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
    let found = c
        .find_duplicate(Some("grace@navy.example.com"), None)
        .await
        .unwrap();
    assert_eq!(found.map(|f| f.id), Some(created.id.clone()));
    assert_eq!(
        c.find_duplicate(Some("nobody@example.com"), None)
            .await
            .unwrap(),
        None
    );

    let up = c
        .upsert_contact(&NewContact {
            email: Some("grace@navy.example.com".into()),
            tags: Some(vec!["admiral".into()]),
            ..NewContact::default()
        })
        .await
        .unwrap();
    assert!(!up.new);
    assert_eq!(up.contact.id, created.id);
    assert!(
        up.contact.tags().contains(&"vip".to_string())
            && up.contact.tags().contains(&"admiral".to_string())
    );
    let fresh = c
        .upsert_contact(&NewContact {
            email: Some("ada@example.com".into()),
            ..NewContact::default()
        })
        .await
        .unwrap();
    assert!(fresh.new);

    c.delete_contact(&created.id).await.unwrap();
    assert!(matches!(
        c.get_contact(&created.id).await,
        Err(ApiError::NotFound { .. })
    ));
    assert!(sb.with_store(|s| s.contact(&created.id).is_none()));
}

#[tokio::test]
async fn search_pages_to_the_end_switching_to_search_after() {
    let mut config = support::config(230);
    config.page_depth = 100; // as the 10,000 limit, scaled down
    let sb = sandbox(config).await;
    let c = client(&sb);
    let mut pager = c
        .search_pages(SearchContacts {
            page_limit: 40,
            ..SearchContacts::default()
        })
        .with_depth_limit(100);
    let mut ids = Vec::new();
    let mut pages = 0;
    while let Some(page) = pager.next().await {
        let page = page.unwrap();
        assert_eq!(page.total, 230);
        ids.extend(page.contacts.into_iter().map(|c| c.id));
        pages += 1;
    }
    assert_eq!(pages, 6);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 230, "every contact exactly once");
    let searches: Vec<String> = sb
        .requests()
        .iter()
        .filter(|r| r.path == "/contacts/search")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(searches.len(), 6, "no page was fetched twice");

    // Page numbers past the depth limit are refused, with the server's words.
    let deep = c
        .search_contacts(&SearchContacts {
            page_limit: 40,
            page: Some(4),
            ..SearchContacts::default()
        })
        .await;
    assert!(
        matches!(deep, Err(ApiError::Validation { status: 422, .. })),
        "{deep:?}"
    );

    // A query narrows the results.
    let target = sb.with_store(|s| {
        s.contact(&s.contact_ids()[5]).unwrap()["email"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let hits = c
        .search_contacts(&SearchContacts {
            query: Some(target.clone()),
            page_limit: 10,
            ..SearchContacts::default()
        })
        .await
        .unwrap();
    assert_eq!(hits.total, 1);
    assert_eq!(hits.contacts[0].email.as_deref(), Some(target.as_str()));
}

#[tokio::test]
async fn deprecated_list_pages_with_start_after() {
    let sb = sandbox(support::config(130)).await;
    let c = client(&sb);
    let mut q = ListContacts {
        limit: Some(50),
        ..ListContacts::default()
    };
    let mut ids = Vec::new();
    loop {
        let page = c.list_contacts(&q).await.unwrap();
        ids.extend(page.contacts.iter().map(|c| c.id.clone()));
        let meta = page.meta.unwrap();
        assert_eq!(meta.total, Some(130));
        match meta.start_after_id {
            Some(id) => {
                q.start_after_id = Some(id);
                q.start_after = meta.start_after;
            }
            None => break,
        }
    }
    assert_eq!(ids.len(), 130);
    let expected = sb.with_store(|s| s.contact_ids());
    assert_eq!(ids, expected, "pages are in server order without gaps");
}

#[tokio::test]
async fn business_appointments_and_task_search() {
    let sb = sandbox(support::config(120)).await;
    let c = client(&sb);
    let (business, members) = sb.with_store(|s| {
        let ids = s.contact_ids();
        let b = ids
            .iter()
            .find_map(|id| {
                s.contact(id)
                    .and_then(|c| c["businessId"].as_str().map(str::to_string))
            })
            .unwrap();
        let n = ids
            .iter()
            .filter(|id| {
                s.contact(id)
                    .unwrap()
                    .get("businessId")
                    .and_then(|v| v.as_str())
                    == Some(b.as_str())
            })
            .count();
        (b, n)
    });
    let page = c
        .business_contacts(&business, &BusinessContacts::default())
        .await
        .unwrap();
    assert_eq!(page.count, Some(members as u64));
    assert!(
        page.contacts
            .iter()
            .all(|c| c.business_id.as_deref() == Some(business.as_str()))
    );

    let with_appts = sb.with_store(|s| s.contact_ids()).into_iter();
    let mut seen = 0;
    for id in with_appts.take(30) {
        let events = c.appointments(&id).await.unwrap();
        for e in &events {
            assert_eq!(e.contact_id.as_deref(), Some(id.as_str()));
            assert!(e.start().is_some());
        }
        seen += events.len();
    }
    assert!(seen > 0, "the seed has appointments");

    let open = c
        .search_tasks(&TaskSearch {
            completed: Some(false),
            limit: Some(1000),
            ..TaskSearch::default()
        })
        .await
        .unwrap();
    assert!(!open.is_empty());
    assert!(open.iter().all(|t| !t.completed));
    let dues: Vec<_> = open.iter().map(|t| t.due_date.clone()).collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted, "sorted by due date");
}

#[tokio::test]
async fn search_rows_come_in_the_live_shape_and_still_give_the_address() {
    let sb = support::sandbox(support::config(60)).await;
    let client = support::client(&sb);
    let with_address = sb.with_store(|s| {
        s.contact_ids()
            .into_iter()
            .find(|id| s.contact(id).unwrap().get("address1").is_some())
            .expect("the seed has addresses")
    });
    let page = client
        .search_contacts(&rolo::api::model::SearchContacts {
            page_limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let row = page.contacts.iter().find(|c| c.id == with_address).unwrap();
    // On the wire: `address`, never `address1` nor `dndSettings`.
    let wire = sb
        .with_store(|s| {
            s.search_contacts(
                &serde_json::json!({"locationId": support::LOCATION, "pageLimit": 100}),
            )
        })
        .unwrap()
        .body;
    let raw = wire["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == with_address.as_str())
        .unwrap();
    assert!(
        raw.get("address").is_some() && raw.get("address1").is_none(),
        "{raw}"
    );
    assert!(raw.get("dndSettings").is_none(), "{raw}");
    let full = client.get_contact(&with_address).await.unwrap();
    assert!(full.address1.is_some());
    assert_eq!(row.address1, full.address1, "read from `address`");
}

#[tokio::test]
async fn search_filters_on_custom_fields() {
    let sb = support::sandbox(support::config(80)).await;
    let client = support::client(&sb);
    let budget = |c: &rolo::api::model::Contact| -> Option<f64> {
        c.custom_fields
            .as_ref()?
            .iter()
            .find(|f| f.id == "cfBudget0000000000001")?
            .value
            .as_ref()?
            .as_str()?
            .parse()
            .ok()
    };
    let all = client
        .search_contacts(&rolo::api::model::SearchContacts {
            page_limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .contacts;
    let want: std::collections::BTreeSet<String> = all
        .iter()
        .filter(|c| budget(c).is_some_and(|b| b >= 10_000.0))
        .map(|c| c.id.clone())
        .collect();
    assert!(!want.is_empty() && want.len() < all.len());
    let got: std::collections::BTreeSet<String> = client
        .search_contacts(&rolo::api::model::SearchContacts {
            page_limit: 100,
            filters: vec![serde_json::json!({
                "field": "customFields.cfBudget0000000000001",
                "operator": "range",
                "value": {"gte": 10000},
            })],
            ..Default::default()
        })
        .await
        .unwrap()
        .contacts
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(got, want);
    let one = all.iter().find(|c| budget(c).is_some()).unwrap();
    let value = format!("{}", budget(one).unwrap());
    let eq = client
        .search_contacts(&rolo::api::model::SearchContacts {
            page_limit: 100,
            filters: vec![serde_json::json!({
                "field": "customFields.cfBudget0000000000001",
                "operator": "eq",
                "value": value,
            })],
            ..Default::default()
        })
        .await
        .unwrap()
        .contacts;
    assert!(eq.iter().any(|c| c.id == one.id));
    assert!(eq.iter().all(|c| budget(c) == budget(one)));
}

#[tokio::test]
async fn the_company_is_editable_as_highlevel_allows() {
    let sb = support::sandbox(support::config(5)).await;
    let client = support::client(&sb);
    let id = sb.with_store(|s| s.contact_ids()[0].clone());
    let update = rolo::api::model::ContactUpdate::new().set(
        rolo::api::model::ContactField::CompanyName,
        Some("Renamed Co"),
    );
    let c = client.update_contact(&id, &update).await.unwrap();
    assert_eq!(c.company_name.as_deref(), Some("Renamed Co"));
    assert_eq!(
        sb.with_store(|s| s.contact(&id).unwrap()["companyName"].clone()),
        serde_json::json!("Renamed Co")
    );
}

/// The filters rolo sends with POST /contacts/search never narrow the
/// answer past what rolo's own check keeps: whatever the check keeps of
/// all contacts, the server's answer holds too (rolo checks the answer
/// again, so a wider answer is safe and a narrower one would lose
/// contacts).
#[tokio::test]
async fn the_filters_sent_to_the_search_never_lose_a_match() {
    let sb = support::sandbox(support::config(300)).await;
    let client = support::client(&sb);
    let users = client.location_users().await.unwrap();
    let defs = client.custom_fields().await.unwrap();
    let all = client
        .search_contacts(&SearchContacts {
            page_limit: 500,
            ..SearchContacts::default()
        })
        .await
        .unwrap()
        .contacts;
    assert_eq!(all.len(), 300);
    let me = all.iter().find_map(|c| c.assigned_to.clone()).unwrap();
    let cx = rolo::filter::Context {
        me: Some(&me),
        me_email: None,
        users: &users,
        defs: &defs,
        now: chrono::Utc::now(),
        zone: rolo::zone::Zone::parse("utc").unwrap(),
    };
    for q in [
        "assigned:me",
        "assigned:none",
        "-assigned:me",
        "tag:vip",
        "-tag:vip",
        "dnd:yes",
        "dnd:no",
        "source:face",
        "added:<90d",
        "updated:>2026-01-01",
        "budget:>5000",
        "budget:1000..3000",
        "seats:*",
        "-seats:*",
        "job-title:own",
        "assigned:me tag:vip budget:>5000",
    ] {
        let (filter, _) = rolo::filter::Filter::split(q, &cx);
        assert!(filter.problems.is_empty(), "{q}");
        let local: std::collections::HashSet<&str> = all
            .iter()
            .filter(|c| filter.matches_entry(&rolo::search::Entry::new(c)))
            .map(|c| c.id.as_str())
            .collect();
        let answer = client
            .search_contacts(&SearchContacts {
                page_limit: 500,
                filters: filter.to_server(),
                ..SearchContacts::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        let served: std::collections::HashSet<&str> =
            answer.contacts.iter().map(|c| c.id.as_str()).collect();
        let lost: Vec<_> = local.difference(&served).collect();
        assert!(lost.is_empty(), "{q}: the server's answer lacks {lost:?}");
        if !filter.to_server().is_empty() && q != "job-title:own" {
            assert!(served.len() < all.len(), "{q}: the server filtered nothing");
        }
    }
}
