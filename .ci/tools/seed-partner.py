#!/usr/bin/env python3
"""Seeds a partner for the third schemathesis pass, acting for the tenant seeded by
seed-tenant.py: the operator creates a partner and its admin (with a password); the admin makes a
`full` delegated-admin offer; the tenant's global admin accepts it; the admin adds an agent (with a
password, at the partner's platform domain) and gives it `full` access to the tenant; the agent
signs in.
Prints shell assignments: PARTNER_ID, AGENT_ID, RELATIONSHIP_ID, AGENT_TOKEN.

usage: seed-partner.py BASE_URL OPERATOR_TOKEN TENANT_ID TENANT_ADMIN_TOKEN
"""
import sys

from seeding import Api

BASE, OPERATOR, TENANT, TENANT_ADMIN = sys.argv[1:5]
API = Api(BASE, "seed-partner")
PASSPHRASE = "schemathesis partner passphrase"


def person(creator, partner, user_name, role, domain):
    sign_in = f"{user_name}@{domain}"
    created = API.call("POST", f"/v1/partners/{partner}/users", creator, {
        "display_name": f"Schemathesis {user_name}", "sign_in": sign_in,
        "contact_email": f"{user_name}.partner@example.com", "role": role, "password": PASSPHRASE})
    return created["id"], API.token(sign_in, PASSPHRASE)


created = API.call("POST", "/v1/partners", OPERATOR, {"name": "Schemathesis Partners"})
partner = created["id"]
# The operator vouches for the admin at the partner's own domain; the agent signs in at the
# partner's platform domain, which needs no proof.
_, admin = person(OPERATOR, partner, "admin", "partner_admin", "schemathesis.partners.example")
offer = API.call("POST", f"/v1/partners/{partner}/admin-offers", admin, {"access": "full"})
relationship = API.call("POST", f"/v1/tenants/{TENANT}/admin-offers/{offer['token']}/accept", TENANT_ADMIN)
agent_id, agent = person(admin, partner, "agent", "partner_agent", created["platform_domain"])
given = API.call("PUT", f"/v1/partners/{partner}/users/{agent_id}/access", admin, {"tenant": TENANT, "access": "full"})
if given["access"] != "full":
    sys.exit(f"seed-partner: the agent was given {given['access']} access, not full")
print(f"PARTNER_ID={partner}")
print(f"AGENT_ID={agent_id}")
print(f"RELATIONSHIP_ID={relationship['id']}")
print(f"AGENT_TOKEN={agent}")
