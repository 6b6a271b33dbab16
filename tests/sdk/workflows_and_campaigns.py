"""The official Python SDK (gohighlevel-api-client) against `rolo sandbox`:
the Workflows and Campaigns services and a contact's enrollment, as an
integration uses them, unchanged (only the base URL points at the
sandbox). Lists workflows and campaigns, puts a contact in a workflow and
takes them out, and in a campaign and out of it, then out of every one.
Exits non-zero on any surprise. (The SDK's bulk tag call, `create_association`,
cannot be used as generated: the spec forgets the `{type}` path parameter,
so the SDK sends `{type}` literally.)

    pip install gohighlevel-api-client
    rolo sandbox --addr 127.0.0.1:8788 --token T &
    python3 tests/sdk/workflows_and_campaigns.py http://127.0.0.1:8788 T sandbox-location
"""

import asyncio
import sys

from highlevel import HighLevel


async def main(base_url: str, token: str, location_id: str) -> int:
    HighLevel.BASE_URL = base_url
    ghl = HighLevel(private_integration_token=token)
    problems = []

    workflows = (await ghl.workflows.get_workflow(location_id)).get("workflows") or []
    if not workflows or not all(w.get("id") and w.get("name") for w in workflows):
        problems.append(f"workflows: {workflows!r}")
    campaigns = (await ghl.campaigns.get_campaigns(location_id, "published")).get("campaigns") or []
    if not campaigns or any(c.get("status") != "published" for c in campaigns):
        problems.append(f"campaigns: {campaigns!r}")

    found = await ghl.contacts.search_contacts_advanced({"locationId": location_id, "pageLimit": 1})
    contact = (found.get("contacts") or [{}])[0].get("id")
    if not contact:
        problems.append(f"no contact to enroll: {found!r}")
    else:
        wf = workflows[0]["id"]
        for call in (ghl.contacts.add_contact_to_workflow, ghl.contacts.delete_contact_from_workflow):
            r = await call(contact, wf, {})
            if r.get("succeded") is not True:
                problems.append(f"{call.__name__}: {r!r}")
        cmp = campaigns[0]["id"]
        r = await ghl.contacts.add_contact_to_campaign(contact, cmp, {})
        if r.get("succeded") is not True:
            problems.append(f"add_contact_to_campaign: {r!r}")
        r = await ghl.contacts.remove_contact_from_campaign(contact, cmp)
        if r.get("succeded") is not True:
            problems.append(f"remove_contact_from_campaign: {r!r}")
        r = await ghl.contacts.remove_contact_from_every_campaign(contact)
        if r.get("succeded") is not True:
            problems.append(f"remove_contact_from_every_campaign: {r!r}")
        print(f"enrolled and removed: {contact} in {workflows[0]['name']!r}, {campaigns[0]['name']!r}")

    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
