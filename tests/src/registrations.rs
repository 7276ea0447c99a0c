//! Buying domains in tests: the registrant's data, a registration, and waiting for the job.

use std::time::{Duration, Instant};

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};
use tenantry_persistence::schema::jobs;

use crate::app::{Storage, TestApp};
use crate::client::Reply;
use crate::people::Tenant;

/// Valid administrative data for a registration.
pub fn registrant() -> Value {
    json!({"organisation": "Contoso SARL", "contact_name": "Camille Martin", "email": "camille@example.com",
        "phone": "+33 1 23 45 67 89", "street": "1 rue de la Paix", "postal_code": "75002", "city": "Paris",
        "country": "fr"})
}

/// Asks to buy `name` as the tenant's global admin.
pub fn register(app: &TestApp, tenant: &Tenant, name: &str) -> Reply {
    app.client.post(
        &format!("/v1/tenants/{}/domain-registrations", tenant.id),
        &tenant.global_admin.token,
        &json!({"name": name, "registrant": registrant()}),
    )
}

/// Polls a registration until its status is `status` (at most 15 s).
pub fn wait_for_status(app: &TestApp, tenant: &Tenant, id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reply =
            app.client.get(&format!("/v1/tenants/{}/domain-registrations/{id}", tenant.id), &tenant.global_admin.token);
        reply.assert_status(200);
        let registration = reply.json();
        if registration["status"] == status {
            return registration;
        }
        assert!(Instant::now() < deadline, "registration {id} never became {status}: {registration}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Makes every job not yet done due now, as if its delay had passed while no service ran.
pub fn make_jobs_due(storage: &Storage) {
    let mut conn = crate::outbox::connect(storage);
    let now = tenantry_persistence::time::to_db(chrono::Utc::now());
    let updated = diesel::update(jobs::table.filter(jobs::done_at.is_null()))
        .set(jobs::run_at.eq(now))
        .execute(&mut conn)
        .expect("the jobs are made due");
    assert!(updated > 0, "a job was waiting");
}
