"""The official Python SDK (gohighlevel-api-client) against `rolo sandbox`.

Reads the location's custom field definitions and its users exactly as a
HighLevel integration would, through the SDK's own services, unchanged:
only the base URL points at the sandbox. Exits non-zero on any surprise.

    pip install gohighlevel-api-client
    rolo sandbox --port 8788 &      # prints its URL and token
    python3 tests/sdk/read_users_and_custom_fields.py http://127.0.0.1:8788 TOKEN sandbox-location
"""

import asyncio
import sys

from highlevel import HighLevel


async def main(base_url: str, token: str, location_id: str) -> int:
    HighLevel.BASE_URL = base_url
    ghl = HighLevel(private_integration_token=token)
    problems = []

    defs = await ghl.locations.get_custom_fields(location_id, model="contact")
    fields = defs.get("customFields") or []
    types = sorted({f.get("dataType") for f in fields})
    print(f"custom fields: {len(fields)} of types {', '.join(types)}")
    for f in fields:
        for key in ("id", "name", "fieldKey", "dataType", "position"):
            if key not in f:
                problems.append(f"custom field {f.get('id')} lacks {key}")
        if f.get("dataType") in ("SINGLE_OPTIONS", "MULTIPLE_OPTIONS", "RADIO", "CHECKBOX") and not f.get("picklistOptions"):
            problems.append(f"{f.get('name')} has no picklistOptions")

    company = (await ghl.locations.get_location(location_id))["location"]["companyId"]
    found = await ghl.users.search_users(company_id=company, location_id=location_id, limit="100")
    users = found.get("users") or []
    print(f"users: {len(users)} (count {found.get('count')}); first: {users[0]['name'] if users else '-'}")
    if len(users) < 12:
        problems.append(f"expected a dozen users, got {len(users)}")
    if users:
        one = await ghl.users.get_user(users[0]["id"])
        print(f"get_user: {one.get('name')} <{one.get('email')}>")
        if one.get("id") != users[0]["id"]:
            problems.append("get_user returned another user")

    contacts = await ghl.contacts.search_contacts_advanced({"locationId": location_id, "pageLimit": 5})
    rows = contacts.get("contacts") or []
    named = {f["id"]: f["name"] for f in fields}
    shown = [
        (named.get(v["id"], v["id"]), v.get("value"))
        for c in rows
        for v in c.get("customFields") or []
    ]
    print(f"contacts: {len(rows)} read; custom values by name: {shown[:4]}")
    if any(v["id"] not in named for c in rows for v in c.get("customFields") or []):
        problems.append("a contact's custom value has no definition")

    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
