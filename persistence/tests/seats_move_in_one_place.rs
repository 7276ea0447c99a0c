#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Seats move in one place: `seats.rs` is the only module that writes a pool's counters or a
//! license's row, so every change is decided by the domain's `LicensePool` and applied by the
//! same conditional updates. The api crate cannot write them at all (it has no diesel); this
//! checks the rest of this crate from its source.

use std::fs;
use std::path::{Path, PathBuf};

/// Writes to the two tables, as diesel names them or as SQL does (the license rows' table is
/// stored as `licence_assignments`), in lower case.
const WRITES: [&str; 12] = [
    "update(subscriptions",
    "insert_into(subscriptions",
    "delete(subscriptions",
    "update(license_assignments",
    "insert_into(license_assignments",
    "delete(license_assignments",
    "update subscriptions",
    "into subscriptions",
    "update licence_assignments",
    "into licence_assignments",
    "delete from subscriptions",
    "delete from licence_assignments",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The writes to seat tables in a source, comments and tests left out.
fn seat_writes(source: &str) -> Vec<&'static str> {
    let code: String = source
        .split("#[cfg(test)]\nmod ")
        .next()
        .unwrap_or(source)
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    let code: String = code.split_whitespace().collect::<Vec<_>>().join(" ").replace("( ", "(").replace("::table", "");
    WRITES.iter().copied().filter(|write| code.contains(write)).collect()
}

#[test]
fn only_the_seats_module_writes_counters_or_licenses() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let seats = fs::read_to_string(src.join("seats.rs")).unwrap();
    assert!(seat_writes(&seats).len() >= 4, "the check recognises the writes seats.rs makes");
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| **path != src.join("seats.rs"))
        .filter_map(|path| {
            let writes = seat_writes(&fs::read_to_string(path).unwrap());
            (!writes.is_empty()).then(|| format!("{}: {writes:?}", path.display()))
        })
        .collect();
    assert!(files.len() > 20, "the sources were found: {}", files.len());
    assert!(offenders.is_empty(), "seats move outside seats.rs: {offenders:#?}");
}

#[test]
fn a_write_is_recognised_however_it_is_spelled() {
    assert_eq!(seat_writes("diesel::update(\n    subscriptions::table.find(id))"), ["update(subscriptions"]);
    assert_eq!(seat_writes("sql_query(\"UPDATE  subscriptions SET assigned = 0\")"), ["update subscriptions"]);
    assert_eq!(seat_writes("diesel::delete(license_assignments::table)"), ["delete(license_assignments"]);
    assert_eq!(seat_writes("sql_query(\"DELETE FROM licence_assignments\")"), ["delete from licence_assignments"]);
    assert!(seat_writes("// diesel::update(subscriptions::table)\nlet x = 1;").is_empty());
    assert!(seat_writes("subscriptions::table.find(id).first(conn)").is_empty());
}

/// Whether a source names the pool or licence tables at all, by any path or in SQL.
fn names_seat_tables(source: &str) -> bool {
    let code = source.split("#[cfg(test)]\nmod ").next().unwrap_or(source).to_lowercase();
    [
        "license_assignments",
        "licence_assignments",
        "schema::subscriptions",
        "subscriptions::",
        "from subscriptions",
        "join subscriptions",
    ]
    .iter()
    .any(|name| code.contains(name))
}

/// Stronger than recognising writes: besides seats.rs, only subscriptions.rs names the tables,
/// and it runs no statement but reads (`execute` is how diesel runs anything else), so a write
/// by a qualified path, an alias or a diesel call the list above does not know is caught too.
#[test]
fn only_the_seats_module_and_the_readers_of_pools_name_the_tables() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let allowed = [src.join("seats.rs"), src.join("subscriptions.rs"), src.join("schema")];
    let naming: Vec<String> = files
        .iter()
        .filter(|path| !allowed.iter().any(|allowed| path.starts_with(allowed)))
        .filter(|path| names_seat_tables(&fs::read_to_string(path).unwrap()))
        .map(|path| path.display().to_string())
        .collect();
    assert!(naming.is_empty(), "modules that name the pool or licence tables: {naming:#?}");
    let readers = fs::read_to_string(src.join("subscriptions.rs")).unwrap();
    assert!(names_seat_tables(&readers), "the check recognises the tables subscriptions.rs reads");
    let readers_code = readers.split("#[cfg(test)]\nmod ").next().unwrap_or(&readers);
    assert!(!readers_code.contains("execute("), "subscriptions.rs only reads");
    assert!(names_seat_tables("use crate::schema::subscriptions as pools;"));
    assert!(names_seat_tables("diesel::update(crate::schema::license_assignments::table)"));
    assert!(!names_seat_tables("use crate::schema::users;"));
}
