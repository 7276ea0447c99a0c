//! The operator's commands, run as an operator runs them: the real binary, a real database.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, ExpressionMethods, PgConnection, QueryDsl, QueryableByName, RunQueryDsl, SqliteConnection};
use serde_json::json;
use tenantry_tests::app::Storage;
use tenantry_tests::process::{run_command, ServiceProcess};
use tenantry_tests::Backend;

use crate::Case;

pub fn cases() -> Vec<Case> {
    cases![
        migrate_then_serve_without_auto_migration,
        a_database_behind_is_refused_with_the_command_to_run,
        backup_under_write_load_holds_every_acknowledged_write,
        check_config_names_each_problem,
        create_operator_adds_an_operator_who_can_sign_in,
        every_command_has_help_and_openapi_prints_the_contract,
    ]
}

const NO_AUTO_MIGRATE: (&str, &str) = ("TENANTRY_AUTO_MIGRATE", "false");

fn no_auto_migrate() -> [(&'static str, String); 1] {
    [(NO_AUTO_MIGRATE.0, NO_AUTO_MIGRATE.1.to_owned())]
}

fn migrate_then_serve_without_auto_migration(backend: Backend) {
    let storage = Storage::empty(backend);
    let data_dir = tempfile::tempdir().unwrap();
    let migrated = run_command(&storage, data_dir.path(), &["migrate"], &[], None);
    migrated.assert_success();
    let versions =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../persistence/migrations/sqlite")).unwrap().count();
    assert!(migrated.stdout.contains(&format!("applied {versions} migration(s)")), "{}", migrated.all());
    let again = run_command(&storage, data_dir.path(), &["migrate"], &[], None);
    again.assert_success();
    assert!(again.stdout.contains("the database is current"), "a second run applies nothing: {}", again.all());

    let service = ServiceProcess::start(&storage, &no_auto_migrate());
    let token = service.operator_token();
    service.client.get("/v1/me", &token).assert_status(200);
}

/// Forgets the newest migration, as a database left by the previous release looks.
fn forget_newest_migration(storage: &Storage) -> String {
    let sql = "DELETE FROM __diesel_schema_migrations \
               WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)";
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let newest = "SELECT max(version) AS version FROM __diesel_schema_migrations";
    match storage.backend {
        Backend::Sqlite => {
            let path = storage.database_url.trim_start_matches("sqlite://");
            let mut conn = SqliteConnection::establish(path).unwrap();
            let version: Vec<Version> = diesel::sql_query(newest).load(&mut conn).unwrap();
            conn.batch_execute(sql).unwrap();
            version[0].version.clone()
        }
        Backend::Postgres => {
            let mut conn = PgConnection::establish(&storage.database_url).unwrap();
            let version: Vec<Version> = diesel::sql_query(newest).load(&mut conn).unwrap();
            conn.batch_execute(sql).unwrap();
            version[0].version.clone()
        }
    }
}

fn a_database_behind_is_refused_with_the_command_to_run(backend: Backend) {
    // An empty database: everything is pending.
    let storage = Storage::empty(backend);
    let refused =
        ServiceProcess::try_start(&storage, &no_auto_migrate()).err().expect("serve refuses an empty database");
    assert_eq!(refused.status.and_then(|s| s.code()), Some(3), "{}", refused.output);
    assert!(refused.output.contains("run `tenantry migrate`"), "the message names the command: {}", refused.output);

    // A database one migration behind.
    let data_dir = tempfile::tempdir().unwrap();
    run_command(&storage, data_dir.path(), &["migrate"], &[], None).assert_success();
    let missing = forget_newest_migration(&storage);
    let refused =
        ServiceProcess::try_start(&storage, &no_auto_migrate()).err().expect("serve refuses a database behind");
    assert!(refused.output.contains("run `tenantry migrate`"), "{}", refused.output);
    assert!(refused.output.contains(&missing), "the missing migration is named: {}", refused.output);
    let checked = run_command(&storage, data_dir.path(), &["check-config"], &no_auto_migrate(), None);
    checked.assert_failure();
    assert!(checked.stdout.contains("run `tenantry migrate`"), "{}", checked.all());
}

/// Tenants created by the operator through the running service, as fast as it takes them.
fn write_load(
    service: &ServiceProcess,
    token: &str,
    stop: Arc<AtomicBool>,
) -> (Arc<Mutex<Vec<String>>>, Vec<std::thread::JoinHandle<()>>) {
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers = (0..4)
        .map(|writer| {
            let (client, token, stop, acknowledged) =
                (service.client.clone(), token.to_owned(), stop.clone(), acknowledged.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let slug = format!("load-{writer}-{n}");
                    let reply = client.post(
                        "/v1/tenants",
                        &token,
                        &json!({"name": format!("{slug} SARL"), "slug": slug,
                                "cloud_manager": {"display_name": "Manager", "user_name": "manager",
                                                  "contact_email": format!("manager.{slug}@example.com")}}),
                    );
                    reply.assert_status(201);
                    let id = reply.json()["tenant"]["id"].as_str().unwrap().to_owned();
                    acknowledged.lock().unwrap().push(id);
                }
            })
        })
        .collect();
    (acknowledged, writers)
}

fn backup_under_write_load_holds_every_acknowledged_write(backend: Backend) {
    let storage = Storage::new(backend);
    let service = ServiceProcess::start(&storage, &[]);
    let token = service.operator_token();
    let target = storage.data_dir.path().join("backups").join("tenantry-backup.db");
    let target_text = target.to_string_lossy().into_owned();

    if backend == Backend::Postgres {
        let refused = run_command(&storage, service.data_dir.path(), &["backup", &target_text], &[], None);
        refused.assert_failure();
        assert!(refused.stderr.contains("pg_dump"), "PostgreSQL backups are pg_dump's: {}", refused.all());
        assert!(!target.exists(), "nothing is written");
        return;
    }

    // 128 MiB more to copy, so that the copy takes long enough for writes to land while it runs.
    let path = storage.database_url.trim_start_matches("sqlite://").to_owned();
    let mut padding = SqliteConnection::establish(&path).unwrap();
    padding
        .batch_execute(
            "PRAGMA busy_timeout = 10000; CREATE TABLE test_padding (bytes BLOB NOT NULL); \
             INSERT INTO test_padding SELECT randomblob(1048576) FROM \
             (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 128) SELECT i FROM n);",
        )
        .unwrap();
    drop(padding);
    let stop = Arc::new(AtomicBool::new(false));
    let (acknowledged, writers) = write_load(&service, &token, stop.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 5 {
        assert!(Instant::now() < deadline, "the writers got five writes acknowledged");
        std::thread::sleep(Duration::from_millis(50));
    }
    let before: BTreeSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    let backup = run_command(&storage, service.data_dir.path(), &["backup", &target_text], &[], None);
    let when_done = acknowledged.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    backup.assert_success();
    assert!(backup.stdout.contains("integrity check ok"), "{}", backup.all());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy holds keys and secrets: its owner's only");
    }
    let left: Vec<_> = std::fs::read_dir(target.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "nothing but the copy is left beside it: {left:?}");
    assert!(before.len() >= 5 && when_done > before.len(), "writes were acknowledged before and while the backup ran");

    // The copy opens, passes SQLite's own check, and holds every write acknowledged before it.
    let mut copy = SqliteConnection::establish(&target_text).unwrap();
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut copy).unwrap();
    assert_eq!(check.iter().map(|c| c.integrity_check.as_str()).collect::<Vec<_>>(), ["ok"]);
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    for id in &before {
        let found: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM tenants WHERE id = ?")
            .bind::<Text, _>(id)
            .load(&mut copy)
            .unwrap();
        assert_eq!(found[0].n, 1, "tenant {id}, acknowledged before the backup, is in it");
    }
    drop(copy);

    // A backup never overwrites a file.
    let len = std::fs::metadata(&target).unwrap().len();
    let again = run_command(&storage, service.data_dir.path(), &["backup", &target_text], &[], None);
    again.assert_failure();
    assert!(again.stderr.contains("already exists"), "{}", again.all());
    assert_eq!(std::fs::metadata(&target).unwrap().len(), len);

    // And the service runs on the copy.
    let restored = Storage::new(Backend::Sqlite);
    let restored_url = format!("sqlite://{target_text}");
    let on_copy = ServiceProcess::start(&restored, &[("DATABASE_URL", restored_url)]);
    let token = on_copy.operator_token();
    let first = before.iter().next().unwrap();
    on_copy.client.get(&format!("/v1/tenants/{first}"), &token).assert_status(200);
}

fn check_config_names_each_problem(backend: Backend) {
    let storage = Storage::new(backend);
    let data_dir = tempfile::tempdir().unwrap();
    let sound = run_command(&storage, data_dir.path(), &["check-config"], &[], None);
    sound.assert_success();
    assert!(sound.stdout.contains("the configuration is sound"), "{}", sound.all());

    // A database that cannot be reached (on this backend), an address that is not one, and a
    // data folder that is a file.
    let bad_database = match backend {
        Backend::Sqlite => "sqlite:///dev/null/tenantry.db".to_owned(),
        Backend::Postgres => "postgres://tenantry:s3cret-in-url@127.0.0.1:1/tenantry".to_owned(),
    };
    let file = data_dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let settings = [
        ("DATABASE_URL", bad_database),
        ("TENANTRY_LISTEN", "not-an-address".to_owned()),
        ("TENANTRY_DATA_DIR", file.to_string_lossy().into_owned()),
    ];
    let checked = run_command(&storage, data_dir.path(), &["check-config"], &settings, None);
    checked.assert_failure();
    let problems: Vec<&str> = checked.stdout.lines().filter(|l| l.starts_with("PROBLEM")).collect();
    for variable in ["DATABASE_URL", "TENANTRY_LISTEN", "TENANTRY_DATA_DIR"] {
        assert!(problems.iter().any(|l| l.contains(variable)), "{variable} is named: {}", checked.all());
    }
    assert!(checked.stdout.contains("is not a folder"), "{}", checked.stdout);
    assert!(!checked.all().contains("s3cret-in-url"), "the database password is not repeated");

    // A password libpq would misread (an unencoded `@`) is refused without being repeated, by
    // check-config and by every command that reads the configuration.
    let misread = [("DATABASE_URL", "postgres://tenantry:pa@ss-WORD-9@127.0.0.1:1/tenantry".to_owned())];
    for command in [&["check-config"][..], &["migrate"], &["serve"]] {
        let refused = run_command(&storage, data_dir.path(), command, &misread, None);
        refused.assert_failure();
        assert!(refused.all().contains("percent-encoded"), "{}", refused.all());
        assert!(!refused.all().contains("ss-WORD-9"), "the password is not repeated: {}", refused.all());
    }

    // A listen address that is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let checked = run_command(&storage, data_dir.path(), &["check-config"], &[("TENANTRY_LISTEN", address)], None);
    checked.assert_failure();
    assert!(checked.stdout.contains("is in use by another program"), "{}", checked.stdout);

    // The address of a running Tenantry, as from inside its own container: not a problem.
    let service = ServiceProcess::start(&storage, &[]);
    let beside = run_command(
        &storage,
        data_dir.path(),
        &["check-config"],
        &[("TENANTRY_LISTEN", service.address.clone())],
        None,
    );
    beside.assert_success();
    assert!(beside.stdout.contains("in use by a running Tenantry"), "{}", beside.stdout);
}

fn create_operator_adds_an_operator_who_can_sign_in(backend: Backend) {
    let storage = Storage::new(backend);
    let service = ServiceProcess::start(&storage, &[]);
    let dir = service.data_dir.path();
    let created =
        run_command(&storage, dir, &["create-operator", "--email", "second.operator@tenantry.test"], &[], None);
    created.assert_success();
    let temporary = created
        .stdout
        .lines()
        .find_map(|l| l.split("first sign-in): ").nth(1))
        .expect("the temporary password is shown once")
        .trim()
        .to_owned();
    let first = service.client.token("second.operator@tenantry.test", &temporary);
    let me = service.client.get("/v1/me", &first);
    me.assert_status(200);
    assert_eq!(me.json()["must_change_password"], true, "the generated password must be changed: {}", me.json());

    let chosen = "a chosen operator passphrase\n";
    let stdin_made = run_command(
        &storage,
        dir,
        &["create-operator", "--email", "third.operator@tenantry.test", "--name", "Third", "--password-stdin"],
        &[],
        Some(chosen),
    );
    stdin_made.assert_success();
    assert!(!stdin_made.all().contains("a chosen operator passphrase"), "a chosen password is not echoed");
    let token = service.client.token("third.operator@tenantry.test", chosen.trim());
    let me = service.client.get("/v1/me", &token);
    me.assert_status(200);
    assert_eq!(me.json()["display_name"], "Third");

    let again = run_command(&storage, dir, &["create-operator", "--email", "third.operator@tenantry.test"], &[], None);
    again.assert_failure();
    assert!(again.stderr.contains("already"), "{}", again.all());
    // The name follows the rule every display name follows; nothing is created otherwise.
    for name in ["x".repeat(201), "Line\nbreak".to_owned(), "  ".to_owned()] {
        let refused = run_command(
            &storage,
            dir,
            &["create-operator", "--email", "fourth.operator@tenantry.test", "--name", &name],
            &[],
            None,
        );
        assert_eq!(refused.status.code(), Some(2), "{}", refused.all());
        assert!(refused.stderr.contains("--name"), "{}", refused.all());
    }

    // Both are in the platform's audit log, as made from the command line.
    use tenantry_persistence::schema::audit_events::dsl;
    let mut conn = tenantry_persistence::Database::from_url(&storage.database_url).unwrap().connect().unwrap();
    let recorded: Vec<(String, String)> = dsl::audit_events
        .filter(dsl::action.eq("operator.created"))
        .filter(dsl::actor_name.eq("Command line"))
        .select((dsl::target_type, dsl::details))
        .load(&mut conn)
        .unwrap();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert!(recorded.iter().any(|(_, details)| details.contains("third.operator@tenantry.test")), "{recorded:?}");
    let help = run_command(&storage, dir, &["create-operator", "--help"], &[], None);
    help.assert_success();
    assert!(help.stdout.contains("--password-stdin"), "{}", help.stdout);
}

fn every_command_has_help_and_openapi_prints_the_contract(backend: Backend) {
    let storage = Storage::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let help = run_command(&storage, dir.path(), &["--help"], &[], None);
    help.assert_success();
    let commands = ["serve", "migrate", "openapi", "check-config", "backup", "create-operator"];
    for command in commands {
        assert!(help.stdout.contains(command), "`{command}` is listed: {}", help.stdout);
        let own = run_command(&storage, dir.path(), &[command, "--help"], &[], None);
        own.assert_success();
        assert!(own.stdout.contains(&format!("Usage: tenantry {command}")), "{}", own.stdout);
    }
    let unknown = run_command(&storage, dir.path(), &["serv"], &[], None);
    assert_eq!(unknown.status.code(), Some(2), "a mistyped command is refused: {}", unknown.all());
    assert!(unknown.stderr.contains("serve"), "and the command meant is suggested: {}", unknown.stderr);

    let printed = run_command(&storage, dir.path(), &["openapi"], &[], None);
    printed.assert_success();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    assert!(printed.stdout == committed, "`tenantry openapi` prints openapi.yaml");

    // A reader that stops early (`tenantry openapi | head`) ends it quietly, not with a panic.
    let mut early = std::process::Command::new(tenantry_tests::process::service_binary())
        .arg("openapi")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(early.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(early.stdout.take());
    let ended = early.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&ended.stderr);
    assert!(ended.status.success(), "exit {:?}: {stderr}", ended.status.code());
    assert!(!stderr.contains("panicked"), "{stderr}");
}
