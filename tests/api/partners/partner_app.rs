//! What the partner app needs: customers filtered and flagged, cached lists, recent people, who is in.

use tenantry_tests::client::Call;
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::pools::quick_member;
use tenantry_tests::{Backend, TestApp};

use super::{ids, new_user, sign_ins, users_path};

/// Case 6: what the partner app needs: customers by domain and flag, cheap re-reads, people
/// opened recently, and who is signed in.
pub(super) fn the_partner_app_filters_flags_caches_and_remembers(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let partner = partners::partner_with_admin(&app, "appside");
    let agent = partners::add_agent(&app, &partner, "agent");
    let one = people::tenant_with_admin(&app, "alpha-one");
    let two = people::tenant_with_admin(&app, "alpha-two");
    let beta = people::tenant_with_admin(&app, "beta");
    partners::relationship(&app, &partner, &one, "full");
    partners::relationship(&app, &partner, &two, "limited");
    partners::relationship(&app, &partner, &beta, "limited");
    partners::assign(&app, &partner, &agent, &one.id, "full");
    let customers = format!("/v1/partners/{}/customers", partner.id);
    let admin = &partner.admin.token;

    // Who is signed in.
    for (person, role) in [(&partner.admin, "partner_admin"), (&agent, "partner_agent")] {
        let me = app.client.get("/v1/me", &person.token);
        me.assert_status(200);
        let me = me.json();
        assert_eq!(me["kind"], "partner", "{me}");
        assert_eq!(me["partner_role"], role, "{me}");
        assert_eq!(me["partner"]["id"], partner.id.as_str(), "{me}");
        assert_eq!(me["partner"]["name"], partner.name.as_str(), "{me}");
        assert!(me["tenant"].is_null(), "{me}");
    }

    // The admin sees every customer, the agent those assigned.
    let listed = app.client.get(&customers, admin);
    listed.assert_status(200);
    let listed = listed.json();
    let mut all = ids(&listed, "tenant_id");
    all.sort();
    let mut expected = vec![one.id.clone(), two.id.clone(), beta.id.clone()];
    expected.sort();
    assert_eq!(all, expected, "{listed}");
    let item = listed["items"].as_array().unwrap().iter().find(|c| c["tenant_id"] == one.id.as_str()).unwrap().clone();
    assert_eq!(item["name"], "alpha-one SARL");
    assert_eq!(item["default_domain"], one.domain.as_str());
    assert_eq!(item["relationship_access"], "full");
    assert_eq!(item["access"], "full");
    assert_eq!(item["flagged"], false);
    assert!(item["relationship_id"].is_string() && item["ends_at"].is_null(), "{item}");
    let agents = app.client.get(&customers, &agent.token).json();
    assert_eq!(ids(&agents, "tenant_id"), vec![one.id.clone()], "{agents}");

    // By pages.
    let mut paged = Vec::new();
    let mut path = format!("{customers}?limit=2");
    loop {
        let page = app.client.get(&path, admin).json();
        assert!(page["items"].as_array().unwrap().len() <= 2, "{page}");
        paged.extend(ids(&page, "tenant_id"));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{customers}?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    paged.sort();
    assert_eq!(paged, expected, "each customer once over the pages");

    // By prefix of the default domain.
    let by_domain = |prefix: &str| {
        let mut found = ids(&app.client.get(&format!("{customers}?domain={prefix}"), admin).json(), "tenant_id");
        found.sort();
        found
    };
    let mut alphas = vec![one.id.clone(), two.id.clone()];
    alphas.sort();
    assert_eq!(by_domain("alpha"), alphas);
    assert_eq!(by_domain("alpha-t"), vec![two.id.clone()]);
    assert_eq!(by_domain("beta"), vec![beta.id.clone()]);
    assert_eq!(by_domain("tenantry"), Vec::<String>::new(), "a prefix, not a substring");

    // Cached: the same list answers 304 until it changes.
    let first = app.client.get(&customers, admin);
    let etag = first.header("etag").expect("an ETag on the customers list");
    let cached = app.client.send(Call::new("GET", &customers).token(admin).header("if-none-match", etag.clone()));
    cached.assert_status(304);
    assert!(cached.text.is_empty(), "{cached:?}");

    // Flagged customers, per person.
    let flag = |token: &str, tid: &str, method: &str| {
        app.client.send(Call::new(method, &format!("/v1/me/flagged-customers/{tid}")).token(token))
    };
    flag(admin, &beta.id, "PUT").assert_status(204);
    let flagged = app.client.get(&format!("{customers}?flagged=true"), admin).json();
    assert_eq!(ids(&flagged, "tenant_id"), vec![beta.id.clone()], "{flagged}");
    assert_eq!(flagged["items"][0]["flagged"], true);
    let changed = app.client.send(Call::new("GET", &customers).token(admin).header("if-none-match", etag.clone()));
    changed.assert_status(200);
    assert_ne!(changed.header("etag"), Some(etag), "a flag changes the list");
    let agents_flagged = app.client.get(&format!("{customers}?flagged=true"), &agent.token).json();
    assert_eq!(ids(&agents_flagged, "tenant_id"), Vec::<String>::new(), "flags are per person");
    flag(&agent.token, &beta.id, "PUT").assert_problem(404, "not_found");
    let (stranger, ..) = people::create_tenant(&app, &operator, "stranger");
    flag(admin, &stranger, "PUT").assert_problem(404, "not_found");
    flag(admin, &beta.id, "DELETE").assert_status(204);
    let flagged = app.client.get(&format!("{customers}?flagged=true"), admin).json();
    assert_eq!(ids(&flagged, "tenant_id"), Vec::<String>::new(), "{flagged}");

    // A customer's user list is cached the same way; a new user changes it.
    let users = users_path(&one.id);
    let first = app.client.get(&users, &agent.token);
    first.assert_status(200);
    let etag = first.header("etag").expect("an ETag on the users list");
    let cached = app.client.send(Call::new("GET", &users).token(&agent.token).header("if-none-match", etag.clone()));
    cached.assert_status(304);
    assert!(cached.text.is_empty(), "{cached:?}");
    new_user(&app, &agent.token, &one, "newcomer", &[]).assert_status(201);
    let changed = app.client.send(Call::new("GET", &users).token(&agent.token).header("if-none-match", etag.clone()));
    changed.assert_status(200);
    assert!(sign_ins(&changed.json()).contains(&format!("newcomer@{}", one.domain)), "{}", changed.text);
    assert_ne!(changed.header("etag"), Some(etag));

    // People opened recently: newest first, at most 20, each once.
    let opened: Vec<String> = (0..21).map(|n| quick_member(&app, &one, &format!("r{n:02}"))).collect();
    for id in &opened {
        app.client.get(&format!("{users}/{id}"), &agent.token).assert_status(200);
    }
    app.client.get(&format!("{users}/{}", opened[0]), &agent.token).assert_status(200);
    let recent = app.client.get("/v1/me/recent-users", &agent.token);
    recent.assert_status(200);
    let recent = recent.json();
    let items = recent["items"].as_array().unwrap();
    assert_eq!(items.len(), 20, "{recent}");
    let seen = ids(&recent, "user_id");
    let mut expected = vec![opened[0].clone()];
    expected.extend(opened[2..].iter().rev().cloned());
    assert_eq!(seen, expected, "newest first, the oldest dropped: {recent}");
    let times: Vec<&str> = items.iter().map(|i| i["viewed_at"].as_str().unwrap()).collect();
    let parsed: Vec<_> = times.iter().map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert_eq!(items[0]["tenant_id"], one.id.as_str());
    assert_eq!(items[0]["sign_in"], format!("r00@{}", one.domain));
    assert_eq!(items[0]["display_name"], "Member r00");
    // Views are per person.
    let admins = app.client.get("/v1/me/recent-users", admin).json();
    assert_eq!(admins["items"].as_array().unwrap().len(), 0, "{admins}");
}
