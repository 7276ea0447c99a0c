//! Messages of the message centre, for all tenants or one, with each reader's own marks.

use serde_json::json;
use tenantry_tests::health::{self, Audience};
use tenantry_tests::partners;
use tenantry_tests::people;
use tenantry_tests::{Backend, TestApp};

use super::id_of;

/// Case 5: messages for all tenants or one; each reader's read, archived and flagged marks are
/// their own.
pub(super) fn one_readers_marks_change_nothing_another_reader_sees(backend: Backend) {
    let app = TestApp::spawn(backend);
    let operator = app.operator_token();
    let x = people::tenant_with_admin(&app, "harbour");
    let y = people::tenant_with_admin(&app, "inland");
    let second = people::add_member(&app, &x, "second", &["global_admin"]);
    let plain = people::add_member(&app, &x, "plain", &[]);
    let partner = partners::partner_with_admin(&app, "messenger");
    partners::relationship(&app, &partner, &x, "limited");
    let agent = partners::add_agent(&app, &partner, "agent");
    partners::assign(&app, &partner, &agent, &x.id, "limited");

    let mut for_all = health::message_body("plan_for_change", "high", "Older mail clients stop", Audience::All);
    for_all["action_required_by"] = json!("2027-03-01T00:00:00Z");
    let for_x =
        health::message_body("prevent_or_fix_issues", "critical", "Renew your domain", Audience::Tenants(&[&x.id]));

    // Only operators post, and they name whom a message is for.
    for token in [&x.global_admin.token, &agent.token, &partner.admin.token, &plain.token] {
        app.client.post("/v1/messages", token, &for_all).assert_problem(403, "forbidden");
        app.client.get("/v1/messages", token).assert_problem(403, "forbidden");
    }
    let mut nobody = for_x.clone();
    nobody.as_object_mut().unwrap().remove("tenant_ids");
    health::assert_field(&app.client.post("/v1/messages", &operator, &nobody), "tenant_ids");
    let mut unknown = for_x.clone();
    unknown["tenant_ids"] = json!(["019a5f3e-6b00-7a00-8000-00000000dead"]);
    health::assert_field(&app.client.post("/v1/messages", &operator, &unknown), "tenant_ids");
    let mut repeated = for_x.clone();
    repeated["tenant_ids"] = json!(vec![x.id.as_str(); 1001]);
    health::assert_field(&app.client.post("/v1/messages", &operator, &repeated), "tenant_ids");
    repeated["tenant_ids"] = json!([x.id, x.id]);
    health::assert_field(&app.client.post("/v1/messages", &operator, &repeated), "tenant_ids[1]");

    let reply = app.client.post("/v1/messages", &operator, &for_all);
    reply.assert_status(201);
    let posted = reply.json();
    assert_eq!(posted["all_tenants"], true, "{posted}");
    assert_eq!(posted["action_required_by"], "2027-03-01T00:00:00Z", "{posted}");
    assert_eq!((&posted["category"], &posted["severity"]), (&json!("plan_for_change"), &json!("high")), "{posted}");
    let all_id = id_of(&posted);
    let reply = app.client.post("/v1/messages", &operator, &for_x);
    reply.assert_status(201);
    let posted = reply.json();
    assert_eq!(posted["tenant_ids"], json!([x.id]), "{posted}");
    assert_eq!(posted["all_tenants"], false, "{posted}");
    let x_id = id_of(&posted);
    let reply = app.client.get("/v1/messages", &operator);
    reply.assert_status(200);
    assert_eq!(
        health::ids(reply.json()["items"].as_array().unwrap()),
        [x_id.clone(), all_id.clone()],
        "{}",
        reply.text
    );

    // X's readers see both, newest first, nothing marked; Y's admin sees only the one for all.
    for (who, token) in
        [("first admin", &x.global_admin.token), ("second admin", &second.token), ("agent", &agent.token)]
    {
        let items = health::tenant_messages(&app, token, &x.id, "");
        assert_eq!(health::ids(&items), [x_id.clone(), all_id.clone()], "{who}: {items:?}");
        assert!(items.iter().all(|m| health::marks(m) == (false, false, false)), "{who}: {items:?}");
        assert!(items.iter().all(|m| m["tenant_ids"] == json!([])), "{who}: {items:?}");
    }
    let items = health::tenant_messages(&app, &y.global_admin.token, &y.id, "");
    assert_eq!(health::ids(&items), vec![all_id.clone()], "{items:?}");
    // Y's admin cannot mark X's message, under Y or under X; X's plain user reads no messages.
    let all_marks = json!({"read": true, "archived": true, "flagged": true});
    health::mark_reply(&app, &y.global_admin.token, &y.id, &x_id, &all_marks).assert_problem(404, "not_found");
    health::mark_reply(&app, &y.global_admin.token, &x.id, &x_id, &all_marks).assert_problem(404, "not_found");
    app.client.get(&health::messages_path(&x.id), &y.global_admin.token).assert_problem(404, "not_found");
    app.client.get(&health::messages_path(&x.id), &plain.token).assert_problem(403, "forbidden");
    health::mark_reply(&app, &plain.token, &x.id, &x_id, &all_marks).assert_problem(403, "forbidden");
    health::mark_reply(&app, &x.global_admin.token, &x.id, "019a5f3e-6b00-7a00-8000-00000000dead", &all_marks)
        .assert_problem(404, "not_found");

    // The first admin reads, archives and flags X's message.
    let reply = health::mark_reply(&app, &x.global_admin.token, &x.id, &x_id, &all_marks);
    reply.assert_status(200);
    assert_eq!(health::marks(&reply.json()), (true, true, true), "{}", reply.text);
    let mine = health::tenant_messages(&app, &x.global_admin.token, &x.id, "");
    assert_eq!(health::marks_in(&mine, &x_id), (true, true, true), "{mine:?}");
    assert_eq!(health::marks_in(&mine, &all_id), (false, false, false), "{mine:?}");
    assert_eq!(
        health::ids(&health::tenant_messages(&app, &x.global_admin.token, &x.id, "?archived=true")),
        vec![x_id.clone()]
    );
    assert_eq!(
        health::ids(&health::tenant_messages(&app, &x.global_admin.token, &x.id, "?archived=false")),
        vec![all_id.clone()]
    );

    // The second admin still sees it unread, unarchived, unflagged; nothing archived for them.
    let theirs = health::tenant_messages(&app, &second.token, &x.id, "");
    assert_eq!(health::marks_in(&theirs, &x_id), (false, false, false), "{theirs:?}");
    assert!(health::tenant_messages(&app, &second.token, &x.id, "?archived=true").is_empty());
    assert_eq!(
        health::ids(&health::tenant_messages(&app, &second.token, &x.id, "?archived=false")),
        [x_id.clone(), all_id.clone()]
    );
    // The cloud manager too.
    let theirs = health::tenant_messages(&app, &x.cloud_manager.token, &x.id, "");
    assert_eq!(health::marks_in(&theirs, &x_id), (false, false, false), "{theirs:?}");

    // The agent sees the messages with marks of its own, and flags the one for all tenants.
    let agents = health::tenant_messages(&app, &agent.token, &x.id, "");
    assert_eq!(health::marks_in(&agents, &x_id), (false, false, false), "{agents:?}");
    let reply = health::mark_reply(&app, &agent.token, &x.id, &all_id, &json!({"flagged": true}));
    reply.assert_status(200);
    assert_eq!(health::marks(&reply.json()), (false, false, true), "{}", reply.text);
    let agents = health::tenant_messages(&app, &agent.token, &x.id, "");
    assert_eq!(health::marks_in(&agents, &all_id), (false, false, true), "{agents:?}");
    assert_eq!(health::marks_in(&agents, &x_id), (false, false, false), "{agents:?}");
    for token in [&x.global_admin.token, &second.token] {
        let items = health::tenant_messages(&app, token, &x.id, "");
        assert_eq!(health::marks_in(&items, &all_id), (false, false, false), "{items:?}");
    }

    // Absent marks stay as they were: the first admin unarchives, still read and flagged.
    let reply = health::mark_reply(&app, &x.global_admin.token, &x.id, &x_id, &json!({"archived": false}));
    reply.assert_status(200);
    assert_eq!(health::marks(&reply.json()), (true, false, true), "{}", reply.text);
    assert!(health::tenant_messages(&app, &x.global_admin.token, &x.id, "?archived=true").is_empty());
    let theirs = health::tenant_messages(&app, &second.token, &x.id, "");
    assert_eq!(health::marks_in(&theirs, &x_id), (false, false, false), "{theirs:?}");
}
