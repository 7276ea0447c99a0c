"""What bench/outside.py drives and reads: commands, HTTP, the service in /proc, wrk and its Lua, pgbench."""
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# One line from wrk's done(): requests, duration µs, statuses >= 400, socket errors, p50 µs, p99 µs;
# then what the threads noted of failed answers, if they note any.
DONE = """
local noting = {}
local previous_setup = setup
setup = function(thread)
  table.insert(noting, thread)
  if previous_setup then previous_setup(thread) end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %f %f\\n", summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
  for _, thread in ipairs(noting) do
    local failures = thread:get("failures")
    if failures and failures ~= "" then io.write("FAILED " .. failures .. "\\n") end
  end
end
"""


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(args, **kwargs):
    """The command's stdout; a failure stops the run, showing what the command said."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"bench: {shlex.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def with_database(url, database):
    """`url` naming `database`, keeping its host or socket and its query (as the seeder does)."""
    base, sep, query = url.partition("?")
    scheme, _, rest = base.partition("://")
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{database}{sep}{query}"


def psql(url, sql):
    return run(["psql", url, "-Atqc", sql])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, token=None, form=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = urllib.parse.urlencode(form).encode() if form else None
    if data:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def sign_in(base, username, password):
    form = {"grant_type": "password", "username": username, "password": password}
    return json.loads(http("POST", f"{base}/v1/auth/token", form=form))["access_token"]


class Process:
    """The service's process as /proc shows it: CPU ticks and resident memory."""

    def __init__(self, pid):
        self.pid = pid
        self.clk_tck = os.sysconf("SC_CLK_TCK")
        self.hwm_resettable = True

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.clk_tck  # utime, stime

    def status_kib(self, key):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def reset_peak(self):
        """Starts VmHWM over from the current resident size (clear_refs "5")."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError as error:
            if self.hwm_resettable:
                log(f"cannot reset VmHWM ({error}): peaks are since start")
            self.hwm_resettable = False


def db_queries(base):
    """The sum of the tenantry_db_queries_total counters, or None when /metrics has none."""
    text = http("GET", f"{base}/metrics")
    values = [float(line.rsplit(None, 1)[1]) for line in text.splitlines()
              if line.startswith("tenantry_db_queries_total")]
    return sum(values) if values else None


def wrk(url, lua, threads, clients, seconds, work_dir, name):
    script = os.path.join(work_dir, re.sub(r"\W", "_", name) + ".lua")
    with open(script, "w") as f:
        f.write(lua + DONE)
    # wrk leaves answers slower than --timeout out of the latency figures (counting them as
    # timeouts): 60 s keeps every answer in the percentiles.
    args = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "60s", "--latency", "-s", script, url]
    wrk_process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # A thread that stopped itself (a fixed request count) still leaves wrk sleeping for -d; once
    # only its main thread is left, SIGINT makes it report at once, timed to that moment.
    threads_seen = False
    while wrk_process.poll() is None:
        try:
            tasks = len(os.listdir(f"/proc/{wrk_process.pid}/task"))
        except FileNotFoundError:
            break
        threads_seen = threads_seen or tasks > 1
        if threads_seen and tasks == 1:
            wrk_process.send_signal(signal.SIGINT)
            break
        time.sleep(0.05)
    out = wrk_process.communicate()[0]
    if wrk_process.returncode != 0:
        sys.exit(f"bench: {shlex.join(args)} failed ({wrk_process.returncode}):\n{out}")
    with open(os.path.join(work_dir, "wrk.log"), "a") as f:
        f.write(f"== {name}\n{out}\n")
    line = next((l for l in out.splitlines() if l.startswith("BENCH ")), None)
    if line is None:
        sys.exit(f"bench: wrk printed no summary for {name}:\n{out}")
    for failed in (l for l in out.splitlines() if l.startswith("FAILED ")):
        log(f"{name}: {failed}")
    requests, duration, status, socket_errors, p50, p99 = line.split()[1:]
    return {"requests": int(requests), "seconds": int(duration) / 1e6, "non2xx": int(status) + int(socket_errors),
            "p50": float(p50) / 1000, "p99": float(p99) / 1000}


def header_lua(token, method="GET"):
    return f'wrk.method = "{method}"\nwrk.headers["Authorization"] = "Bearer {token}"\n'


def stop_after_lua(token, per_thread):
    """A fixed number of responses per thread, so two pages are compared over equal counts."""
    return header_lua(token) + f"local n = 0\nfunction response()\n  n = n + 1\n" \
        f"  if n >= {per_thread} then wrk.thread:stop() end\nend\n"


def assign_remove_lua(slots):
    """Each thread holds one connection and one slot (a token, a tenant, its pool, a person): PUT,
    DELETE, PUT, ... in sequence. The next request follows the last answer, not a count of
    request() calls: wrk may call request() more than once before the first write (seen: a first
    DELETE answered 404)."""
    rows = ", ".join(f'{{"{t}", "{tenant}", "{sub}", "{person}"}}' for t, tenant, sub, person in slots)
    return f"""local slots = {{{rows}}}
local next_index = 0
function setup(thread)
  thread:set("index", next_index)
  next_index = next_index + 1
end
function init(args)
  local slot = slots[index + 1]
  local path = "/v1/tenants/" .. slot[2] .. "/users/" .. slot[4] .. "/licenses/" .. slot[3]
  local headers = {{["Authorization"] = "Bearer " .. slot[1]}}
  put = wrk.format("PUT", path, headers)
  delete = wrk.format("DELETE", path, headers)
  following = put
end
function request()
  return following
end
-- Which answers failed, for the report: a few per thread, with the start of their bodies.
failures = ""
function response(status, headers, body)
  if status >= 300 and #failures < 600 then
    local method = following == put and "PUT" or "DELETE"
    failures = failures .. string.format("%s %d %s; ", method, status, body:sub(1, 160))
  end
  if following == put then following = delete else following = put end
end
"""


def spread_slots(base, seed, clients):
    """One slot per client, each in a tenant of its own with its own admin and pool: writes spread
    over pools as TPC-B spreads them over branches."""
    tenants = seed["spread"]
    if len(tenants) < clients:
        sys.exit(f"bench: {clients} clients need as many tenants for the spread writes; seed.json has {len(tenants)}")
    slots = []
    for tenant in tenants[:clients]:
        token = sign_in(base, tenant["admin_sign_in"], tenant["password"])
        slots.append((token, tenant["tenant_id"], tenant["subscription_id"], tenant["unlicensed_user_ids"][0]))
    return slots


def measure(name, process, base, url, lua, threads, clients, seconds, work_dir):
    process.reset_peak()
    queries_before, cpu_before = db_queries(base), process.cpu_seconds()
    result = wrk(url, lua, threads, clients, seconds, work_dir, name)
    cpu = process.cpu_seconds() - cpu_before
    queries_after = db_queries(base)
    result["name"] = name
    result["per_second"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    result["cpu_us"] = cpu * 1e6 / result["requests"] if result["requests"] else 0.0
    result["cpu_share"] = cpu / result["seconds"] if result["seconds"] else 0.0
    result["peak_mib"] = process.status_kib("VmHWM") / 1024
    if queries_before is not None and queries_after is not None and result["requests"]:
        result["queries"] = (queries_after - queries_before) / result["requests"]
    log(f"{name}: {result['requests']} requests, {result['per_second']:.0f}/s, p50 {result['p50']:.2f} ms, "
        f"p99 {result['p99']:.2f} ms, {result['cpu_us']:.0f} µs CPU/request, non-2xx {result['non2xx']}")
    return result


def pgbench(url, clients, seconds, select_only):
    args = ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds)] + (["-S"] if select_only else []) + [url]
    out = run(args)
    tps = re.search(r"^tps = ([\d.]+)", out, re.M)
    latency = re.search(r"^latency average = ([\d.]+) ms", out, re.M)
    if not tps or not latency:
        sys.exit(f"bench: cannot read pgbench's output:\n{out}")
    return {"tps": float(tps.group(1)), "latency": float(latency.group(1))}


def machine():
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        memory = next((int(l.split()[1]) for l in f if l.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} CPUs ({model}), {memory / 1048576:.1f} GiB"


def build():
    log("building the release binaries ...")
    run(["cargo", "build", "--release", "-p", "tenantry-api", "-p", "tenantry-bench"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release", "tenantry"), os.path.join(target, "release", "tenantry-bench")


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("installing wrk ...")
    if subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True).returncode != 0:
        run(["apt-get", "update"])
        run(["apt-get", "install", "-y", "wrk"])
