#!/usr/bin/env python3
"""Seeds a tenant for the second schemathesis pass: a cloud manager (signed in through the
mail it receives), a global admin, a member and an active subscription one licence of which the
member holds. Prints shell assignments: TENANT_ID, USER_ID, SUBSCRIPTION_ID, ADMIN_TOKEN.

usage: seed-tenant.py BASE_URL DATA_DIR OPERATOR_TOKEN
"""
import glob
import re
import sys
import time

from seeding import Api

BASE, DATA_DIR, OPERATOR = sys.argv[1], sys.argv[2], sys.argv[3]
API = Api(BASE, "seed-tenant")
PASSPHRASE = "schemathesis tenant passphrase"


def temporary_password(contact):
    deadline = time.time() + 30
    while time.time() < deadline:
        for path in sorted(glob.glob(f"{DATA_DIR}/mail/*.eml")):
            text = open(path, encoding="utf-8", newline="").read()
            if f"To: {contact}\r\n" in text:
                match = re.search(r"(?:Temporary password|Mot de passe temporaire): (\S+)", text)
                if match:
                    return match.group(1)
        time.sleep(0.2)
    sys.exit(f"seed-tenant: no sign-in details reached {contact}")


created = API.call("POST", "/v1/tenants", OPERATOR, {
    "name": "Schemathesis SARL", "slug": "schemathesis",
    "cloud_manager": {"display_name": "Manager", "user_name": "manager", "contact_email": "manager@example.com"},
})
tenant = created["tenant"]["id"]
domain = created["tenant"]["initial_domain"]
first = API.token(f"manager@{domain}", temporary_password("manager@example.com"))
API.call("POST", "/v1/me/password", first, {"current_password": temporary_password("manager@example.com"),
                                        "new_password": PASSPHRASE, "new_password_confirmation": PASSPHRASE})
manager = API.token(f"manager@{domain}", PASSPHRASE)
API.call("POST", f"/v1/tenants/{tenant}/users", manager, {
    "display_name": "Admin", "sign_in": f"admin@{domain}", "contact_email": "admin@example.com",
    "roles": ["global_admin"], "password": PASSPHRASE})
admin = API.token(f"admin@{domain}", PASSPHRASE)
member = API.call("POST", f"/v1/tenants/{tenant}/users", admin, {
    "display_name": "Member", "sign_in": f"member@{domain}", "contact_email": "member@example.com", "password": PASSPHRASE})
order = API.call("POST", f"/v1/tenants/{tenant}/subscriptions", admin, {"plan": "enterprise_e3", "seats": 50})
subscription = order["id"]
deadline = time.time() + 30
while API.call("GET", f"/v1/tenants/{tenant}/subscriptions/{subscription}", admin)["status"] != "active":
    if time.time() > deadline:
        sys.exit("seed-tenant: the subscription never became active")
    time.sleep(0.2)
API.call("PUT", f"/v1/tenants/{tenant}/users/{member['id']}/licenses/{subscription}", admin, {})
print(f"TENANT_ID={tenant}")
print(f"USER_ID={member['id']}")
print(f"SUBSCRIPTION_ID={subscription}")
print(f"ADMIN_TOKEN={admin}")
