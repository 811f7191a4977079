"""A real SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd).

Usage: smtp_sink.py PORT. Listens on 127.0.0.1:PORT (0: any free port), prints one JSON line
{"ready": port} once it accepts connections, then one JSON line per message received:
envelope sender and recipients, the decoded subject and the decoded plain-text and HTML parts.
Runs until killed.
"""

import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        print(
            json.dumps(
                {
                    "from": envelope.mail_from,
                    "to": envelope.rcpt_tos,
                    "subject": str(msg["subject"] or ""),
                    "header_to": str(msg["to"] or ""),
                    "text": plain.get_content() if plain else "",
                    "html": html.get_content() if html else "",
                }
            ),
            flush=True,
        )
        return "250 Message accepted"


async def main():
    port = int(sys.argv[1])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Sink(), hostname="sink.test"), "127.0.0.1", port
    )
    print(json.dumps({"ready": server.sockets[0].getsockname()[1]}), flush=True)
    await server.serve_forever()


asyncio.run(main())
