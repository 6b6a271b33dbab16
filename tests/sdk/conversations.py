"""The official Python SDK (gohighlevel-api-client) against `rolo sandbox`:
the Conversations service as an integration uses it, unchanged (only the
base URL points at the sandbox). Searches the unread conversations, reads
a thread a page at a time, sends an SMS and finds it in the thread, and
marks the conversation read. Exits non-zero on any surprise.

    pip install gohighlevel-api-client
    rolo sandbox --addr 127.0.0.1:8788 --token T &
    python3 tests/sdk/conversations.py http://127.0.0.1:8788 T sandbox-location
"""

import asyncio
import sys

from highlevel import HighLevel


async def main(base_url: str, token: str, location_id: str) -> int:
    HighLevel.BASE_URL = base_url
    ghl = HighLevel(private_integration_token=token)
    c = ghl.conversations
    problems = []

    found = await c.search_conversation(location_id, status="unread", limit=10)
    convs = found.get("conversations") or []
    if not convs or any((x.get("unreadCount") or 0) < 1 for x in convs):
        problems.append(f"unread search: {found!r}")
    if (found.get("total") or 0) < len(convs):
        problems.append(f"total below the page: {found!r}")
    conv = convs[0]
    first = await c.get_messages(conv["id"], limit=1)
    msgs = first.get("messages") or []
    if len(msgs) != 1 or not first.get("lastMessageId"):
        problems.append(f"first page: {first!r}")
    rest = await c.get_messages(conv["id"], last_message_id=first.get("lastMessageId"), limit=50)
    if any(m["id"] == msgs[0]["id"] for m in rest.get("messages") or []):
        problems.append(f"pages overlap: {rest!r}")

    contact = conv["contactId"]
    await ghl.contacts.update_contact(contact, {"dnd": False, "dndSettings": {
        ch: {"status": "inactive"} for ch in ("Call", "Email", "SMS", "WhatsApp", "GMB", "FB")}})
    sent = await c.send_a_new_message({"type": "SMS", "contactId": contact, "message": "From the SDK"})
    if not sent.get("messageId") or not sent.get("conversationId"):
        problems.append(f"send: {sent!r}")
    newest = await c.get_messages(sent["conversationId"], limit=1)
    if (newest.get("messages") or [{}])[0].get("id") != sent.get("messageId"):
        problems.append(f"the sent message is not the newest: {newest!r}")

    read = await c.update_conversation(conv["id"], {"locationId": location_id, "unreadCount": 0})
    if not read.get("success") or read.get("conversation", {}).get("unreadCount") != 0:
        problems.append(f"mark read: {read!r}")
    again = await c.search_conversation(location_id, status="unread", limit=100)
    if any(x["id"] == conv["id"] for x in again.get("conversations") or []):
        problems.append("still unread after marking it read")

    for p in problems:
        print("PROBLEM:", p)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4])))
