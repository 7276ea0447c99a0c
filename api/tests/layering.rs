#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The api crate's floors, checked from its source: dependencies point one way.
//!
//! Every `crate::...` and `super::...` path in a file is resolved to the module file it names;
//! two files that name each other, or two top-level modules whose files name each other, are a
//! defect, and so is any mention of the persistence crate under `routes/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src`, as its module path (`routes::subscriptions::pools`).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(path.file_name().unwrap().to_string_lossy().into_owned());
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let mut module = prefix.to_vec();
                if name != "mod" && !(prefix.is_empty() && (name == "lib" || name == "main")) {
                    module.push(name);
                }
                out.insert(module.join("::"), fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), &[], &mut out);
    out
}

/// The source without `#[cfg(test)]` modules and comments, which may name anything.
fn code(source: &str) -> String {
    let without_tests = source.split("#[cfg(test)]\nmod ").next().unwrap_or(source);
    without_tests.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The paths a file names, with `use` braces expanded one level (`crate::{a, b::c}`).
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let starts = (rest.starts_with("crate::") || rest.starts_with("super::"))
            && (i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i;
        let mut depth = 0;
        while end < bytes.len() {
            let c = bytes[end];
            if c == '{' {
                depth += 1;
            } else if c == '}' {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                if depth == 0 {
                    end += 1;
                    break;
                }
            } else if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':') {
                break;
            }
            end += 1;
        }
        let text: String = bytes[i..end].iter().collect();
        match text.split_once('{') {
            Some((head, tail)) => {
                for item in tail.trim_end_matches('}').split(',') {
                    let item = item.trim().split(" as ").next().unwrap_or("").trim();
                    if !item.is_empty() {
                        paths.push(format!("{head}{item}").split("::").map(str::to_owned).collect());
                    }
                }
            }
            None => paths.push(text.split("::").map(str::to_owned).collect()),
        }
        i = end.max(i + 1);
    }
    paths
}

/// The module file a path from `from` names: the longest prefix that is a module.
fn resolve(from: &str, path: &[String], modules: &BTreeMap<String, String>) -> Option<String> {
    let mut absolute: Vec<String> = Vec::new();
    let mut segments = path.iter().peekable();
    match segments.next().map(String::as_str) {
        Some("crate") => {}
        Some("super") => {
            // `super` of a file is its parent module; `mod.rs` files are named by their folder.
            let mut base: Vec<String> = from.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
            base.pop();
            while segments.peek().is_some_and(|s| s.as_str() == "super") {
                segments.next();
                base.pop();
            }
            absolute = base;
        }
        _ => return None,
    }
    absolute.extend(segments.filter(|s| !s.is_empty() && s.as_str() != "self").cloned());
    (0..=absolute.len()).rev().map(|n| absolute[..n].join("::")).find(|candidate| modules.contains_key(candidate))
}

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for (module, source) in &modules {
        let targets: BTreeSet<String> = named_paths(&code(source))
            .iter()
            .filter_map(|path| resolve(module, path, &modules))
            .filter(|target| target != module && !target.is_empty())
            .collect();
        graph.insert(module.clone(), targets);
    }
    graph
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = imports();
    assert!(graph.get("routes::subscriptions::pools").is_some_and(|t| t.contains("services::subscriptions")));
    let mut mutual = Vec::new();
    for (module, targets) in &graph {
        for target in targets {
            if module < target && graph.get(target).is_some_and(|back| back.contains(module)) {
                mutual.push(format!("{module} <-> {target}"));
            }
        }
    }
    assert!(mutual.is_empty(), "modules that import each other: {mutual:#?}");
}

/// The modules `start` reaches by following imports.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut next: Vec<&str> = graph.get(start).map(|t| t.iter().map(String::as_str).collect()).unwrap_or_default();
    while let Some(module) = next.pop() {
        if seen.insert(module.to_owned()) {
            next.extend(
                graph.get(module).map(|t| t.iter().map(String::as_str).collect::<Vec<_>>()).unwrap_or_default(),
            );
        }
    }
    seen
}

/// No circle of any length: a module that reaches itself through others (three files that
/// import one another in turn) is a defect too.
#[test]
fn no_module_reaches_itself_through_its_imports() {
    let graph = imports();
    let circles: Vec<String> =
        graph.keys().filter(|module| reachable(&graph, module).contains(*module)).cloned().collect();
    assert!(circles.is_empty(), "modules on a circle of imports: {circles:#?}");
    let mut probe = BTreeMap::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a")] {
        probe.insert(from.to_owned(), BTreeSet::from([to.to_owned()]));
    }
    assert!(reachable(&probe, "a").contains("a"), "a circle of three is seen");
}

#[test]
fn top_level_modules_depend_on_each_other_one_way_only() {
    let top = |module: &str| module.split("::").next().unwrap_or("").to_owned();
    // Each edge between top-level modules, with one file import that makes it, for the message.
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for (module, targets) in imports() {
        for target in targets {
            let (from, to) = (top(&module), top(&target));
            if !from.is_empty() && !to.is_empty() && from != to {
                edges.entry((from, to)).or_insert_with(|| format!("{module} -> {target}"));
            }
        }
    }
    assert!(edges.contains_key(&("services".to_owned(), "views".to_owned())));
    let mutual: Vec<_> = edges
        .iter()
        .filter(|((a, b), _)| a < b)
        .filter_map(|((a, b), there)| edges.get(&(b.clone(), a.clone())).map(|back| (there, back)))
        .collect();
    assert!(mutual.is_empty(), "top-level modules that import each other: {mutual:#?}");
}

#[test]
fn routes_import_nothing_from_persistence() {
    let offenders: Vec<String> = modules()
        .into_iter()
        .filter(|(module, source)| module.starts_with("routes") && code(source).contains("tenantry_persistence"))
        .map(|(module, _)| module)
        .collect();
    assert!(!modules().is_empty());
    assert!(offenders.is_empty(), "route modules that use tenantry_persistence: {offenders:?}");
}

/// Services speak the business, not HTTP: statuses, headers and actix's blocking pool belong to
/// routes and the layers around them.
#[test]
fn services_import_nothing_from_actix() {
    let services: Vec<(String, String)> =
        modules().into_iter().filter(|(module, _)| module.starts_with("services")).collect();
    assert!(services.len() > 20, "the services were found: {}", services.len());
    let offenders: Vec<&String> =
        services.iter().filter(|(_, source)| code(source).contains("actix_web")).map(|(module, _)| module).collect();
    assert!(offenders.is_empty(), "service modules that use actix_web: {offenders:?}");
}

/// A service reaches the database only with a permit an authorization decision made (see
/// `auth::permit`): it may not make the permits of open endpoints or of the platform's own
/// work, take a connection any other way, or make or change a caller to pass a decision. The
/// permits every caller gets (their own account, what anyone signed in may do) are for the
/// services that are about the caller themselves.
#[test]
fn services_reach_the_database_only_with_a_permit_a_decision_made() {
    let services: Vec<(String, String)> =
        modules().into_iter().filter(|(module, _)| module.starts_with("services")).collect();
    assert!(services.len() > 20, "the services were found: {}", services.len());
    let offenders: Vec<String> = services
        .iter()
        .flat_map(|(module, source)| {
            bypasses(&code(source)).into_iter().map(move |bypass| format!("{module}: {bypass}"))
        })
        .filter(|offence| !offence.ends_with("a permit every caller gets") || !caller_services(offence))
        .collect();
    assert!(offenders.is_empty(), "services that reach the database without a decision: {offenders:#?}");
    // The decisions that make permits are where the test expects them.
    let standing = &modules()["auth::standing"];
    assert!(standing.contains("Permit::granted"), "auth::standing makes the permits of callers");
}

/// Services about the caller themselves: their account, their take-overs, feedback, and asking
/// whether a domain name is free.
fn caller_services(offence: &str) -> bool {
    [
        "services::me:",
        "services::recent_users:",
        "services::takeovers:",
        "services::message_centre:",
        "services::registrations:",
    ]
    .iter()
    .any(|module| offence.starts_with(module))
}

/// The ways around a permit a source takes, read without whitespace so that line breaks and
/// spacing hide nothing.
fn bypasses(code: &str) -> Vec<&'static str> {
    let tight: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found = Vec::new();
    for (text, what) in [
        ("Permit::open_to_anyone", "the permit of an open endpoint"),
        ("Permit::platform_work", "the permit of the platform's own work"),
        ("Tx::new(", "a unit of work made by hand"),
        ("DbPool", "the connection pool"),
        ("Database::", "a database of its own"),
        ("database_url", "a database of its own"),
        ("AppState{", "the state taken apart"),
        ("SignedIn{", "a caller made up"),
        ("PartnerCaller{", "a caller made up"),
        ("own_account()", "a permit every caller gets"),
        ("anyone_signed_in()", "a permit every caller gets"),
    ] {
        if tight.contains(text) {
            found.push(what);
        }
    }
    // `.pool` as a field (the state's connections), not `.pool()` (a licence pool's counters).
    if tight.match_indices(".pool").any(|(at, _)| {
        let next = tight[at + 5..].chars().next();
        !matches!(next, Some(c) if c == '(' || c.is_alphanumeric() || c == '_')
    }) {
        found.push("the connection pool");
    }
    // A caller changed before a decision reads it.
    for field in ["is_operator", "roles", "partner", "tenant_id", "user_id", "delegation", "seat"] {
        let assignment = format!(".{field}=");
        if tight.match_indices(&assignment).any(|(at, _)| !tight[at + assignment.len()..].starts_with('=')) {
            found.push("a caller changed");
        }
    }
    found
}

#[test]
fn the_ways_around_a_permit_are_recognised_however_they_are_written() {
    assert_eq!(bypasses("state\n    .pool\n    .get()"), ["the connection pool"]);
    assert_eq!(bypasses("let AppState { pool, .. } = state;"), ["the state taken apart"]);
    assert_eq!(bypasses("let mut c = caller.clone(); c.is_operator = true;"), ["a caller changed"]);
    assert_eq!(bypasses("SignedIn { is_operator: true, ..caller.clone() }"), ["a caller made up"]);
    assert_eq!(
        bypasses("Database::from_url(&state.config.database_url)"),
        ["a database of its own", "a database of its own"]
    );
    assert!(bypasses("row.pool().assign()?; if caller.tenant_id == Some(x) {}").is_empty());
}
