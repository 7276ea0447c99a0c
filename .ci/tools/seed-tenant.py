#!/usr/bin/env python3
"""Seeds a tenant for the second schemathesis pass: a cloud manager (signed in through the
mail it receives), a global admin, a member and an active subscription one licence of which the
member holds. Prints shell assignments: TENANT_ID, USER_ID, SUBSCRIPTION_ID, ADMIN_TOKEN.

usage: seed-tenant.py BASE_URL DATA_DIR OPERATOR_TOKEN
"""
import glob
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE, DATA_DIR, OPERATOR = sys.argv[1], sys.argv[2], sys.argv[3]
PASSPHRASE = "schemathesis tenant passphrase"


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
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        sys.exit(f"seed-tenant: {method} {path} -> {error.code}: {error.read().decode()}")


def token(username, password):
    return call("POST", "/v1/auth/token", form={"grant_type": "password", "username": username, "password": password})[1]["access_token"]


def temporary_password(contact):
    deadline = time.time() + 30
    while time.time() < deadline:
        for path in sorted(glob.glob(f"{DATA_DIR}/mail/*.eml")):
            text = open(path, encoding="utf-8", newline="").read()
            if f"To: {contact}\r\n" in text:
                match = re.search(r"Temporary password: (\S+)", text)
                if match:
                    return match.group(1)
        time.sleep(0.2)
    sys.exit(f"seed-tenant: no sign-in details reached {contact}")


_, created = call("POST", "/v1/tenants", OPERATOR, {
    "name": "Schemathesis SARL", "slug": "schemathesis",
    "cloud_manager": {"display_name": "Manager", "user_name": "manager", "contact_email": "manager@example.com"},
})
tenant = created["tenant"]["id"]
domain = created["tenant"]["initial_domain"]
first = token(f"manager@{domain}", temporary_password("manager@example.com"))
call("POST", "/v1/me/password", first, {"current_password": temporary_password("manager@example.com"),
                                        "new_password": PASSPHRASE, "new_password_confirmation": PASSPHRASE})
manager = token(f"manager@{domain}", PASSPHRASE)
call("POST", f"/v1/tenants/{tenant}/users", manager, {
    "display_name": "Admin", "sign_in": f"admin@{domain}", "contact_email": "admin@example.com",
    "roles": ["global_admin"], "password": PASSPHRASE})
admin = token(f"admin@{domain}", PASSPHRASE)
_, member = call("POST", f"/v1/tenants/{tenant}/users", admin, {
    "display_name": "Member", "sign_in": f"member@{domain}", "contact_email": "member@example.com", "password": PASSPHRASE})
_, order = call("POST", f"/v1/tenants/{tenant}/subscriptions", admin, {"plan": "enterprise_e3", "seats": 50})
subscription = order["id"]
deadline = time.time() + 30
while call("GET", f"/v1/tenants/{tenant}/subscriptions/{subscription}", admin)[1]["status"] != "active":
    if time.time() > deadline:
        sys.exit("seed-tenant: the subscription never became active")
    time.sleep(0.2)
call("PUT", f"/v1/tenants/{tenant}/users/{member['id']}/licenses/{subscription}", admin, {})
print(f"TENANT_ID={tenant}")
print(f"USER_ID={member['id']}")
print(f"SUBSCRIPTION_ID={subscription}")
print(f"ADMIN_TOKEN={admin}")
