#!/usr/bin/env python3
"""Seeds a partner for the third schemathesis pass, acting for the tenant seeded by
seed-tenant.py: the operator creates a partner and its admin (with a password); the admin makes a
`full` delegated-admin offer; the tenant's global admin accepts it; the admin adds an agent (with a
password) and gives it `full` access to the tenant; the agent signs in.
Prints shell assignments: PARTNER_ID, AGENT_ID, RELATIONSHIP_ID, AGENT_TOKEN.

usage: seed-partner.py BASE_URL OPERATOR_TOKEN TENANT_ID TENANT_ADMIN_TOKEN
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE, OPERATOR, TENANT, TENANT_ADMIN = sys.argv[1:5]
PASSPHRASE = "schemathesis partner passphrase"


def call(method, path, token=None, body=None, form=None):
    headers = {}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        sys.exit(f"seed-partner: {method} {path} -> {error.code}: {error.read().decode()}")


def token(username, password):
    form = {"grant_type": "password", "username": username, "password": password}
    return call("POST", "/v1/auth/token", form=form)["access_token"]


def person(creator, partner, user_name, role):
    sign_in = f"{user_name}@schemathesis.partners.example"
    created = call("POST", f"/v1/partners/{partner}/users", creator, {
        "display_name": f"Schemathesis {user_name}", "sign_in": sign_in,
        "contact_email": f"{user_name}.partner@example.com", "role": role, "password": PASSPHRASE})
    return created["id"], token(sign_in, PASSPHRASE)


partner = call("POST", "/v1/partners", OPERATOR, {"name": "Schemathesis Partners"})["id"]
_, admin = person(OPERATOR, partner, "admin", "partner_admin")
offer = call("POST", f"/v1/partners/{partner}/admin-offers", admin, {"access": "full"})
relationship = call("POST", f"/v1/tenants/{TENANT}/admin-offers/{offer['token']}/accept", TENANT_ADMIN)
agent_id, agent = person(admin, partner, "agent", "partner_agent")
given = call("PUT", f"/v1/partners/{partner}/users/{agent_id}/access", admin, {"tenant": TENANT, "access": "full"})
if given["access"] != "full":
    sys.exit(f"seed-partner: the agent was given {given['access']} access, not full")
print(f"PARTNER_ID={partner}")
print(f"AGENT_ID={agent_id}")
print(f"RELATIONSHIP_ID={relationship['id']}")
print(f"AGENT_TOKEN={agent}")
