#!/usr/bin/env python3
"""The benchmark, from outside the service's process: wrk drives the release `tenantry` binary,
which runs as its own process on a database `tenantry-bench seed` filled, and the service's CPU
time and resident memory are read from /proc. With PostgreSQL, pgbench runs in the same run, on
the same server, over the same connection form, with the same clients: the ceiling the database
sets. Prints one markdown table for the README.

usage: python3 bench/outside.py --backend sqlite|postgres [--postgres-url URL] [--seconds 15]
       [--clients 16] [--tenants 1000] [--users-per-tenant 100] [--big-tenant N] [--scale-check]
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error

# A sibling module: Python looks first in the folder of the script it runs, wherever it is run from.
from outside_tools import (ROOT, Process, assign_remove_lua, build, ensure_wrk, free_port, header_lua, http, log,
                           machine, measure, pgbench, psql, run, sign_in, spread_slots, stop_after_lua, with_database)

OPERATOR = ("operator@tenantry.test", "bench platform passphrase")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--users-per-tenant", type=int, default=100)
    parser.add_argument("--big-tenant", type=int, help="also a tenant of N people, and its first page")
    parser.add_argument("--scale-check", action="store_true",
                        help="also tenants of 10,000 and 1,000,000 people: the same page on each over equal requests")
    parser.add_argument("--pool-size", type=int, default=4,
                        help="TENANTRY_DB_POOL_SIZE: 4 gave the best latency with PostgreSQL on the same 2 cores")
    parser.add_argument("--scale-requests", type=int, default=4000, help="requests per page in the scale check")
    parser.add_argument("--scale-search-requests", type=int, default=64, help="requests per search in the scale check")
    parser.add_argument("--idle-seconds", type=int, default=10)
    return parser.parse_args()


def main():
    options = parse_args()
    started = time.monotonic()
    command = "python3 " + shlex.join(["bench/outside.py"] + sys.argv[1:])
    server_bin, seeder_bin = build()
    ensure_wrk()
    work_dir = tempfile.mkdtemp(prefix="tenantry-bench-")
    postgres = options.backend == "postgres"
    scratch = f"tenantry_pgbench_{os.getpid()}"
    seed = server = None
    succeeded = False
    try:
        big = ([options.big_tenant] if options.big_tenant else []) + ([10_000, 1_000_000] if options.scale_check else [])
        seed_args = [seeder_bin, "seed", "--backend", options.backend, "--out", work_dir,
                     "--postgres-url", options.postgres_url, "--tenants", str(options.tenants),
                     "--users-per-tenant", str(options.users_per_tenant)]
        for people in big:
            seed_args += ["--big-tenant", str(people)]
        log(f"seeding {options.tenants} tenants x {options.users_per_tenant} people, big tenants {big} ...")
        seed_started = time.monotonic()
        seeding = subprocess.run(seed_args, capture_output=True, text=True)
        sys.stderr.write(seeding.stderr)
        seed_path = os.path.join(work_dir, "seed.json")
        if os.path.exists(seed_path):
            with open(seed_path) as f:
                seed = json.load(f)
        if seeding.returncode != 0 or seed is None:
            sys.exit(f"bench: seeding failed ({seeding.returncode})")
        seed_seconds = time.monotonic() - seed_started
        if postgres:
            log("pgbench -i -s 10 on a scratch database ...")
            psql(options.postgres_url, f"CREATE DATABASE {scratch}")
            run(["pgbench", "-i", "-q", "-s", "10", with_database(options.postgres_url, scratch)])

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        data_dir = os.path.join(work_dir, "data")
        env = dict(os.environ, DATABASE_URL=seed["database_url"], TENANTRY_DATA_DIR=data_dir,
                   TENANTRY_LISTEN=f"127.0.0.1:{port}", TENANTRY_BOOTSTRAP_EMAIL=OPERATOR[0],
                   TENANTRY_BOOTSTRAP_PASSWORD=OPERATOR[1], RUST_LOG="warn", TENANTRY_DB_POOL_SIZE=str(options.pool_size))
        server_log = open(os.path.join(work_dir, "server.log"), "w")
        server = subprocess.Popen([server_bin], env=env, stdout=server_log, stderr=subprocess.STDOUT)
        process = Process(server.pid)
        deadline = time.monotonic() + 60
        while True:
            try:
                http("GET", f"{base}/readyz")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"bench: the service did not become ready; see {work_dir}/server.log")
                time.sleep(0.2)

        tenant = seed["tenant"]
        operator = sign_in(base, *OPERATOR)
        admin = sign_in(base, tenant["admin_sign_in"], tenant["password"])
        partner = run([sys.executable, os.path.join(ROOT, ".ci", "tools", "seed-partner.py"), base, operator,
                       tenant["tenant_id"], admin])
        agent = dict(line.split("=", 1) for line in partner.split())["AGENT_TOKEN"]
        people = tenant["unlicensed_user_ids"]
        if len(people) < options.clients:
            sys.exit(f"bench: {options.clients} clients need as many unlicensed people; tenant 0 has {len(people)}")
        startup_peak_mib = process.status_kib("VmHWM") / 1024

        tid, sid = tenant["tenant_id"], tenant["subscription_id"]
        read_url = f"{base}/v1/tenants/{tid}/subscriptions/{sid}"
        c, s = options.clients, options.seconds
        scenarios = [
            ("read", read_url, header_lua(admin), 2, c),
            ("agent read", read_url, header_lua(agent), 2, c),
            ("page (50 people)", f"{base}/v1/tenants/{tid}/users?limit=50", header_lua(admin), 2, c),
            ("assign+remove, one pool", f"{base}/", assign_remove_lua([(admin, tid, sid, p) for p in people[:c]]), c, c),
            ("assign+remove, a pool per client", f"{base}/", assign_remove_lua(spread_slots(base, seed, c)), c, c),
        ]
        results = [measure(n, process, base, u, l, t, k, s, work_dir) for n, u, l, t, k in scenarios]
        scale = []
        for i, big_tenant in enumerate(seed["big_tenants"]):
            token = sign_in(base, big_tenant["admin_sign_in"], big_tenant["password"])
            users = f"{base}/v1/tenants/{big_tenant['tenant_id']}/users"
            # A name search finding one person ("User 4242 of ..."), present in every big tenant.
            pages = [("page", f"{users}?limit=50"), ("search", f"{users}?limit=50&q=User%204242%20of")]
            for kind, url in pages:
                label = f"{kind}@{big_tenant['people']:,}"
                if options.big_tenant and i == 0:
                    results.append(measure(label, process, base, url, header_lua(token), 2, c, s, work_dir))
                    continue
                # Each thread stops itself after its share of the requests; the time is only a bound.
                # A search reads the whole tenant (no index serves a substring): fewer requests.
                count = options.scale_requests if kind == "page" else options.scale_search_requests
                lua = stop_after_lua(token, max(1, count // 2))
                scale.append(measure(f"{label}, {count:,} requests", process, base, url, lua, 2, c,
                                     1200, work_dir) | {"people": big_tenant["people"], "kind": kind})

        log(f"idle for {options.idle_seconds} s ...")
        process.reset_peak()
        time.sleep(options.idle_seconds)
        idle_mib = process.status_kib("VmRSS") / 1024
        overall_peak = max([startup_peak_mib, process.status_kib("VmHWM") / 1024] + [r["peak_mib"] for r in results + scale])

        pg = {}
        if postgres:
            scratch_url = with_database(options.postgres_url, scratch)
            log("pgbench -S and TPC-B-like ...")
            pg["select"] = pgbench(scratch_url, c, s, True)
            pg["tpcb"] = pgbench(scratch_url, c, s, False)
        report(options, seed, results, scale, pg, idle_mib, overall_peak, startup_peak_mib, process,
               command, seed_seconds, time.monotonic() - started)
        failed = [r["name"] for r in results + scale if r["non2xx"]]
        if failed:
            log(f"server log and wrk output are in {work_dir}")
            sys.exit(f"FAIL: non-2xx responses in {', '.join(failed)}")
        succeeded = True
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if postgres:
            for name in [scratch] + ([seed["database_name"]] if seed and seed.get("database_name") else []):
                subprocess.run(["psql", options.postgres_url, "-Atqc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                               capture_output=True)
        # Kept after a failure, for its server log and wrk output.
        if succeeded:
            shutil.rmtree(work_dir, ignore_errors=True)


def report(options, seed, results, scale, pg, idle_mib, overall_peak, startup_peak_mib, process, command,
           seed_seconds, total_seconds):
    backend = "PostgreSQL" if options.backend == "postgres" else "SQLite"
    tpcb = pg.get("tpcb", {}).get("tps")
    select = pg.get("select", {}).get("tps")
    print()
    print("| backend | scenario | requests | non-2xx | req/s | p50 ms | p99 ms | CPU µs/req | service CPU "
          "| peak RSS MiB | DB queries/req | vs pgbench |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results + scale:
        reference = tpcb if r["name"].startswith("assign+remove") else select
        ratio = f"{r['per_second'] / reference:.2f}x" if reference else "-"
        queries = f"{r['queries']:.1f}" if "queries" in r else "-"
        print(f"| {backend} | {r['name']} | {r['requests']:,} | {r['non2xx']} | {r['per_second']:,.0f} | "
              f"{r['p50']:.2f} | {r['p99']:.2f} | {r['cpu_us']:,.0f} | {r['cpu_share'] * 100:.0f} % | "
              f"{r['peak_mib']:.0f} | {queries} | {ratio} |")
    if pg:
        print(f"| PostgreSQL | `pgbench -S`, {options.clients} clients | | | {select:,.0f} tps | "
              f"{pg['select']['latency']:.2f} avg | | | | | | 1x |")
        print(f"| PostgreSQL | `pgbench` TPC-B-like, {options.clients} clients | | | {tpcb:,.0f} tps | "
              f"{pg['tpcb']['latency']:.2f} avg | | | | | | 1x |")
    print()
    hwm = "" if process.hwm_resettable else " (VmHWM could not be reset: peaks are since start)"
    print(f"Resident memory: {idle_mib:.0f} MiB idle {options.idle_seconds} s after the load; peak {overall_peak:.0f} MiB "
          f"over the whole run (start-up and sign-ins: {startup_peak_mib:.0f} MiB){hwm}.")
    for kind in ("page", "search"):
        pair = [r for r in scale if r["kind"] == kind]
        if len(pair) == 2 and pair[0]["p50"]:
            small, large = pair
            print(f"Scale: the 50-person {kind}, p50 at {large['people']:,} people / at {small['people']:,}: "
                  f"{large['p50']:.2f} / {small['p50']:.2f} ms = {large['p50'] / small['p50']:.2f}x "
                  f"({small['requests']:,} and {large['requests']:,} requests).")
    print(f"Data: {seed['tenants']:,} tenants x {seed['users_per_tenant']} people"
          + "".join(f" + one of {t['people']:,}" for t in seed["big_tenants"])
          + f", seeded in {seed_seconds:.0f} s; {options.seconds} s per scenario at {options.clients} connections "
          f"(wrk -t2, assign+remove -t{options.clients}); whole run {total_seconds:.0f} s.")
    print("assign+remove counts its PUTs and DELETEs each as a request and compares with TPC-B-like; the reads "
          "compare with `pgbench -S`. CPU µs/req: the service's user+system time over its requests.")
    print(f"Machine: {machine()}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.")
    print(f"Command: `{command}`")


if __name__ == "__main__":
    main()
