//! The data set: tenants, each with a global admin, people, and an Enterprise E3 pool that half
//! of them hold licences of. Written straight into the database in large transactions (signing
//! up 100,000 people over HTTP would measure argon2, not the service).

use std::path::Path;
use std::process::Command;

use chrono::Utc;
use diesel::{Connection, PgConnection, RunQueryDsl};
use tenantry_api::auth::keys::KeyRing;
use tenantry_api::auth::{passwords, tokens};
use tenantry_api::config::Config;
use tenantry_domain::license_pool::SubscriptionStatus;
use tenantry_domain::user::UserKind;
use tenantry_domain::{AdminRole, RoleSet};
use tenantry_persistence::subscriptions::{self, NewAssignment, NewSubscription};
use tenantry_persistence::tenants::{self, NewTenant};
use tenantry_persistence::users::{self, NewUser};
use tenantry_persistence::{time, Database as Store};

use crate::Settings;

/// Where the bench keeps its data: a file, or a PostgreSQL database made for the run.
pub struct Database {
    pub url: String,
    postgres: Option<(String, String)>,
}

fn admin_url_for(admin: &str, database: &str) -> String {
    match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => format!("{admin}/{database}"),
    }
}

impl Database {
    pub fn create(settings: &Settings, data_dir: &Path) -> Result<Self, String> {
        if settings.backend == "sqlite" {
            return Ok(Self { url: format!("sqlite://{}", data_dir.join("bench.db").display()), postgres: None });
        }
        let name = format!("tenantry_bench_{}", std::process::id());
        let mut admin = PgConnection::establish(&settings.postgres_url).map_err(|e| e.to_string())?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).map_err(|e| e.to_string())?;
        Ok(Self {
            url: admin_url_for(&settings.postgres_url, &name),
            postgres: Some((settings.postgres_url.clone(), name)),
        })
    }

    pub fn drop_database(&self) {
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}

/// One seeded tenant, as the load scenarios use it.
pub struct SeedTenant {
    pub id: String,
    pub subscription_id: String,
    /// A token of the tenant's global admin.
    pub token: String,
    /// People holding no licence, for the assign-then-remove scenario.
    pub unlicensed: Vec<String>,
}

pub struct SeedData {
    pub tenants: Vec<SeedTenant>,
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn seed(settings: &Settings, database: &Database, config: &Config) -> Result<SeedData, String> {
    let store = Store::from_url(&database.url).map_err(|e| e.to_string())?;
    let mut conn = store.connect().map_err(|e| e.to_string())?;
    let hash = passwords::hash("bench member passphrase").map_err(|e| e.to_string())?;
    let (ring, _) = KeyRing::open(&mut conn, &config.keys_dir(), config.token_ttl_seconds, Utc::now())
        .map_err(|e| e.to_string())?;
    let keys = ring.current();
    let token_settings = tokens::TokenSettings {
        issuer: &config.token_issuer,
        audience: &config.token_audience,
        ttl_seconds: config.token_ttl_seconds,
    };
    let now = Utc::now();
    let at = time::to_db(now);
    let users_per_tenant = settings.users_per_tenant;
    let mut seeded = Vec::with_capacity(settings.tenants);
    for chunk_start in (0..settings.tenants).step_by(50) {
        let chunk_end = (chunk_start + 50).min(settings.tenants);
        let chunk = conn
            .write(|conn| -> Result<Vec<SeedTenant>, tenantry_persistence::StoreError> {
                let mut made = Vec::new();
                for t in chunk_start..chunk_end {
                    let tenant_id = id();
                    let slug = format!("bench-{t}");
                    let domain = format!("{slug}.{}", config.platform_domain);
                    tenants::insert(
                        conn,
                        &NewTenant {
                            id: &tenant_id,
                            name: &slug,
                            slug: &slug,
                            initial_domain: &domain,
                            created_at: at,
                            updated_at: at,
                            managed: true,
                            email_domain: None,
                        },
                        &id(),
                    )?;
                    let subscription_id = id();
                    let seats = i64::try_from(users_per_tenant).unwrap_or(i64::MAX);
                    subscriptions::insert(
                        conn,
                        &NewSubscription {
                            id: &subscription_id,
                            tenant_id: &tenant_id,
                            plan_code: "enterprise_e3",
                            status: SubscriptionStatus::Active.as_str(),
                            purchased: seats,
                            active: seats,
                            assigned: 0,
                            activate_on_provisioning: seats,
                            created_at: at,
                            updated_at: at,
                            activated_at: Some(at),
                        },
                    )?;
                    let mut admin_id = String::new();
                    let mut unlicensed = Vec::new();
                    let mut licensed = 0i64;
                    for u in 0..users_per_tenant {
                        let user_id = id();
                        let sign_in = format!("user{u}@{domain}");
                        let contact = format!("user{u}.{slug}@example.com");
                        users::insert(
                            conn,
                            &NewUser {
                                id: &user_id,
                                tenant_id: Some(&tenant_id),
                                kind: UserKind::Member.as_str(),
                                sign_in: &sign_in,
                                display_name: &format!("User {u} of {slug}"),
                                contact_email: Some(&contact),
                                password_hash: &hash,
                                must_change_password: false,
                                created_at: at,
                                updated_at: at,
                                partner_id: None,
                                partner_role: None,
                                temporary_password_expires_at: None,
                            },
                        )?;
                        if u == 0 {
                            users::replace_roles(conn, &tenant_id, &user_id, &RoleSet::new([AdminRole::GlobalAdmin]))?;
                            admin_id = user_id;
                        } else if u % 2 == 0 {
                            subscriptions::insert_assignment(
                                conn,
                                &NewAssignment {
                                    subscription_id: &subscription_id,
                                    user_id: &user_id,
                                    tenant_id: &tenant_id,
                                    plan_code: "enterprise_e3",
                                    assigned_at: at,
                                },
                            )?;
                            licensed += 1;
                        } else {
                            unlicensed.push(user_id);
                        }
                    }
                    for _ in 0..licensed {
                        subscriptions::take_seat(conn, &subscription_id, at)?;
                    }
                    made.push(SeedTenant { id: tenant_id, subscription_id, token: admin_id, unlicensed });
                }
                Ok(made)
            })
            .map_err(|e| e.to_string())?;
        seeded.extend(chunk);
    }
    for tenant in &mut seeded {
        let admin_id = std::mem::take(&mut tenant.token);
        tenant.token = tokens::issue(
            &keys,
            &token_settings,
            &tokens::TokenSubject {
                sub: &admin_id,
                tenant_id: Some(&tenant.id),
                partner_id: None,
                is_client: false,
                credentials_version: None,
            },
            now,
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(SeedData { tenants: seeded })
}

/// `pgbench -S` (select-only) on a scratch database of the same server, with the same clients.
pub fn pgbench(settings: &Settings) -> Result<String, String> {
    let name = format!("tenantry_pgbench_{}", std::process::id());
    let url = admin_url_for(&settings.postgres_url, &name);
    let mut admin = PgConnection::establish(&settings.postgres_url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).map_err(|e| e.to_string())?;
    let outcome = (|| {
        let init = Command::new("pgbench").args(["-i", "-q", "-s", "10", &url]).output().map_err(|e| e.to_string())?;
        if !init.status.success() {
            return Err(String::from_utf8_lossy(&init.stderr).into_owned());
        }
        let clients = settings.concurrency.to_string();
        let seconds = settings.seconds.to_string();
        let run = Command::new("pgbench")
            .args(["-S", "-c", &clients, "-j", "2", "-T", &seconds, &url])
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&run.stdout).into_owned();
        let tps = text.lines().find(|l| l.starts_with("tps")).unwrap_or("no tps line").to_owned();
        let latency = text.lines().find(|l| l.starts_with("latency average")).unwrap_or("").to_owned();
        Ok(format!("{tps}; {latency}"))
    })();
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    outcome
}
