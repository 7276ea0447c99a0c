//! The data set: tenants, each with a global admin, people, and an Enterprise E3 pool that half
//! of them hold licenses of. Written straight into the database with one `INSERT ... SELECT` per
//! tenant and table (signing up 100,000 people over HTTP would measure argon2, not the service,
//! and row-by-row inserts make a 1,000,000-person tenant take many minutes).

use chrono::{NaiveDateTime, Utc};
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::{Connection, PgConnection, RunQueryDsl};
use tenantry_domain::license_pool::SubscriptionStatus;
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_persistence::seats;
use tenantry_persistence::subscriptions::NewSubscription;
use tenantry_persistence::tenants::{self, NewTenant};
use tenantry_persistence::{time, users, Database as Store, DbConnection, StoreError};

use crate::Settings;

/// Every seeded person's password; the load script signs the admins in with it.
pub const PASSWORD: &str = "bench member passphrase";
const PLAN: &str = "enterprise_e3";

/// Where the data lives: a file, or a PostgreSQL database made for the run (its name is kept so
/// that the script can drop it).
pub struct Target {
    pub url: String,
    pub postgres_name: Option<String>,
}

/// `url` naming `database` instead of its own, keeping the host (or socket) and the query, so
/// that the bench databases are reached exactly as the server given on the command line.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
    format!("{scheme}://{authority}/{database}{query}")
}

pub fn create_database(settings: &Settings) -> Result<Target, String> {
    if settings.backend == "sqlite" {
        let path = std::path::absolute(settings.out.join("bench.db")).map_err(|e| e.to_string())?;
        if path.exists() {
            return Err(format!("{} exists already; seed into an empty folder", path.display()));
        }
        return Ok(Target { url: format!("sqlite://{}", path.display()), postgres_name: None });
    }
    let name = format!("tenantry_bench_{}", std::process::id());
    let mut admin = PgConnection::establish(&settings.postgres_url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).map_err(|e| e.to_string())?;
    Ok(Target { url: with_database(&settings.postgres_url, &name), postgres_name: Some(name) })
}

/// One seeded tenant, as the load script uses it.
pub struct Seeded {
    pub id: String,
    pub people: usize,
    pub subscription_id: String,
    pub admin_sign_in: String,
    pub admin_id: String,
    /// Members holding no license, for the assign-then-remove scenario (one per client).
    pub unlicensed: Vec<String>,
    /// A member holding a license.
    pub member_id: String,
}

/// Person ids: UUIDv7-shaped text that sorts in creation order, as the service's own ids do. The
/// millisecond of the run comes first, then a counter over every person of the run, so the bulk
/// SQL can build them from a row number.
struct PersonIds {
    prefix: String,
    next: i64,
}

impl PersonIds {
    fn new() -> Self {
        let ms = Utc::now().timestamp_millis();
        Self { prefix: format!("{:08x}-{:04x}-7000-8000-", ms >> 16, ms & 0xffff), next: 0 }
    }

    fn id(&self, base: i64, index: i64) -> String {
        format!("{}{:012x}", self.prefix, base + index)
    }
}

/// People `0..count` of a tenant; person 0 is the global admin, even ones hold a license.
struct Bulk<'a> {
    tenant_id: &'a str,
    slug: &'a str,
    domain: &'a str,
    subscription_id: &'a str,
    prefix: &'a str,
    base: i64,
    count: i64,
    hash: &'a str,
    at: NaiveDateTime,
}

const PG_PEOPLE: &str = "INSERT INTO users (id, tenant_id, kind, sign_in, display_name, contact_email, \
    password_hash, must_change_password, created_at, updated_at) \
    SELECT $1 || lpad(to_hex($2 + g), 12, '0'), $3, 'member', 'user' || g || '@' || $4, \
    'User ' || g || ' of ' || $5, 'user' || g || '.' || $5 || '@example.com', $6, false, $7, $7 \
    FROM generate_series(0, $8 - 1) AS g";
const PG_LICENSES: &str = "INSERT INTO licence_assignments (subscription_id, user_id, tenant_id, plan_code, \
    assigned_at) SELECT $1, $2 || lpad(to_hex($3 + g), 12, '0'), $4, $5, $6 FROM generate_series(2, $7 - 1, 2) AS g";
// SQLite has no generate_series built in: a recursive CTE counts instead.
const SQLITE_PEOPLE: &str = "WITH RECURSIVE seq(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM seq WHERE g + 1 < ?8) \
    INSERT INTO users (id, tenant_id, kind, sign_in, display_name, contact_email, password_hash, \
    must_change_password, created_at, updated_at) \
    SELECT ?1 || printf('%012x', ?2 + g), ?3, 'member', 'user' || g || '@' || ?4, 'User ' || g || ' of ' || ?5, \
    'user' || g || '.' || ?5 || '@example.com', ?6, 0, ?7, ?7 FROM seq WHERE g < ?8";
const SQLITE_LICENSES: &str = "WITH RECURSIVE seq(g) AS (SELECT 2 UNION ALL SELECT g + 2 FROM seq WHERE g + 2 < ?7) \
    INSERT INTO licence_assignments (subscription_id, user_id, tenant_id, plan_code, assigned_at) \
    SELECT ?1, ?2 || printf('%012x', ?3 + g), ?4, ?5, ?6 FROM seq WHERE g < ?7";

fn insert_people(conn: &mut DbConnection, bulk: &Bulk<'_>) -> Result<(), StoreError> {
    macro_rules! people {
        ($sql:expr, $conn:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(bulk.prefix)
                .bind::<BigInt, _>(bulk.base)
                .bind::<Text, _>(bulk.tenant_id)
                .bind::<Text, _>(bulk.domain)
                .bind::<Text, _>(bulk.slug)
                .bind::<Text, _>(bulk.hash)
                .bind::<Timestamp, _>(bulk.at)
                .bind::<BigInt, _>(bulk.count)
                .execute($conn)
        };
    }
    macro_rules! licenses {
        ($sql:expr, $conn:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>(bulk.subscription_id)
                .bind::<Text, _>(bulk.prefix)
                .bind::<BigInt, _>(bulk.base)
                .bind::<Text, _>(bulk.tenant_id)
                .bind::<Text, _>(PLAN)
                .bind::<Timestamp, _>(bulk.at)
                .bind::<BigInt, _>(bulk.count)
                .execute($conn)
        };
    }
    match conn {
        DbConnection::Postgresql(pg) => {
            people!(PG_PEOPLE, pg)?;
            licenses!(PG_LICENSES, pg)?;
        }
        DbConnection::Sqlite(lite) => {
            people!(SQLITE_PEOPLE, lite)?;
            licenses!(SQLITE_LICENSES, lite)?;
        }
    }
    Ok(())
}

fn seed_tenant(
    conn: &mut DbConnection,
    ids: &mut PersonIds,
    slug: &str,
    people: usize,
    hash: &str,
) -> Result<Seeded, StoreError> {
    let at = time::to_db(Utc::now());
    let count = i64::try_from(people).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let base = ids.next;
    ids.next += count;
    let tenant_id = uuid::Uuid::now_v7().to_string();
    let subscription_id = uuid::Uuid::now_v7().to_string();
    let domain = format!("{slug}.{}", platform_domain());
    conn.write(|conn| -> Result<(), StoreError> {
        let tenant = NewTenant {
            id: &tenant_id,
            name: slug,
            slug,
            initial_domain: &domain,
            created_at: at,
            updated_at: at,
            managed: true,
            email_domain: None,
        };
        tenants::insert(conn, &tenant, &uuid::Uuid::now_v7().to_string())?;
        seats::open(
            conn,
            &NewSubscription {
                id: &subscription_id,
                tenant_id: &tenant_id,
                plan_code: PLAN,
                status: SubscriptionStatus::Active.as_str(),
                purchased: count,
                active: count,
                // People 2, 4, 6, ... below `count` hold one.
                assigned: (count - 1).max(0) / 2,
                activate_on_provisioning: count,
                created_at: at,
                updated_at: at,
                activated_at: Some(at),
            },
        )?;
        let bulk = Bulk {
            tenant_id: &tenant_id,
            slug,
            domain: &domain,
            subscription_id: &subscription_id,
            prefix: &ids.prefix,
            base,
            count,
            hash,
            at,
        };
        insert_people(conn, &bulk)?;
        users::replace_roles(conn, &tenant_id, &ids.id(base, 0), &RoleSet::new([AdminRole::GlobalAdmin]), None)
    })?;
    Ok(Seeded {
        id: tenant_id,
        people,
        subscription_id,
        admin_sign_in: format!("user0@{domain}"),
        admin_id: ids.id(base, 0),
        unlicensed: (1..count).step_by(2).take(64).map(|g| ids.id(base, g)).collect(),
        member_id: ids.id(base, 2.min(count - 1)),
    })
}

/// The domain the service puts tenants' sign-ins under; the same variable as the service's.
fn platform_domain() -> String {
    std::env::var("TENANTRY_PLATFORM_DOMAIN").unwrap_or_else(|_| "tenantry.test".to_owned())
}

/// Seeds the regular tenants, then each big one; answers them in that order. The big tenants come
/// last on purpose: their people's ids sort after everyone else's, the worst case for a page query
/// that walks the primary key in id order and filters by tenant.
pub fn seed(settings: &Settings, target: &Target) -> Result<(Vec<Seeded>, Vec<Seeded>), String> {
    let store = Store::from_url(&target.url).map_err(|e| e.to_string())?;
    store.migrate().map_err(|e| e.to_string())?;
    let mut conn = store.connect().map_err(|e| e.to_string())?;
    let hash = tenantry_api::auth::passwords::hash(PASSWORD).map_err(|e| e.to_string())?;
    let mut ids = PersonIds::new();
    let mut regular = Vec::with_capacity(settings.tenants);
    for t in 0..settings.tenants {
        let tenant = seed_tenant(&mut conn, &mut ids, &format!("bench-{t}"), settings.users_per_tenant, &hash)
            .map_err(|e| format!("seeding tenant {t}: {e}"))?;
        regular.push(tenant);
    }
    let mut big = Vec::with_capacity(settings.big_tenants.len());
    for (i, &people) in settings.big_tenants.iter().enumerate() {
        let started = std::time::Instant::now();
        let tenant = seed_tenant(&mut conn, &mut ids, &format!("bench-big-{i}"), people, &hash)
            .map_err(|e| format!("seeding the big tenant of {people}: {e}"))?;
        eprintln!("seeded a tenant of {people} people in {:.1} s", started.elapsed().as_secs_f64());
        big.push(tenant);
    }
    // Fresh statistics, so the first requests are planned on the real row counts.
    diesel::sql_query("ANALYZE").execute(&mut conn).map_err(|e| e.to_string())?;
    Ok((regular, big))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_bench_database_is_reached_like_the_server() {
        let cases = [
            ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/b"),
            ("postgres://u@h/postgres?sslmode=disable", "postgres://u@h/b?sslmode=disable"),
            (
                "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/postgres",
                "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/b",
            ),
            (
                "postgres:///postgres?host=/var/run/postgresql&user=postgres",
                "postgres:///b?host=/var/run/postgresql&user=postgres",
            ),
            ("postgres://h:5432", "postgres://h:5432/b"),
        ];
        for (given, expected) in cases {
            assert_eq!(with_database(given, "b"), expected);
        }
    }
}
