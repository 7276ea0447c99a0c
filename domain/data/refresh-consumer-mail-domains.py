#!/usr/bin/env python3
"""Regenerates consumer-mail-domains.txt from the npm package free-email-domains.

    python3 domain/data/refresh-consumer-mail-domains.py [VERSION]

Runs on a developer's machine (needs npm and the network): `npm pack` downloads the package,
whose domains.json is a plain list; nothing from it is executed. Keeps the providers Tenantry
listed before, lower-cases, sorts and deduplicates, and dates the header.
"""
import datetime
import json
import pathlib
import subprocess
import sys
import tarfile
import tempfile

version = sys.argv[1] if len(sys.argv) > 1 else "1.12.6"
target = pathlib.Path(__file__).with_name("consumer-mail-domains.txt")
ALWAYS = ["gmail.com", "googlemail.com", "outlook.com", "outlook.fr", "hotmail.com", "hotmail.fr", "live.com",
          "live.fr", "msn.com", "yahoo.com", "yahoo.fr", "icloud.com", "orange.fr", "wanadoo.fr", "free.fr",
          "laposte.net"]

with tempfile.TemporaryDirectory() as folder:
    subprocess.run(["npm", "pack", f"free-email-domains@{version}"], cwd=folder, check=True, capture_output=True)
    archive = next(pathlib.Path(folder).glob("free-email-domains-*.tgz"))
    with tarfile.open(archive) as tar:
        listed = json.load(tar.extractfile("package/domains.json"))

domains = sorted({d.strip().lower() for d in listed if d.strip()} | set(ALWAYS))
header = [
    "# Free and consumer mail domains: a sign-up is for a work address, and these group no organisation.",
    f"# Source: the npm package free-email-domains {version} (MIT, https://github.com/kikobeats/free-email-domains,",
    f"# HubSpot's list of free email providers), taken {datetime.date.today()}, plus the providers Tenantry listed before.",
    "# Regenerate with domain/data/refresh-consumer-mail-domains.py; operators add theirs with",
    "# TENANTRY_CONSUMER_MAIL_DOMAINS.",
]
target.write_text("\n".join(header + domains) + "\n")
print(f"{len(domains)} domains written to {target}")
