#!/usr/bin/env python3
"""tests/smtpd.py - a real SMTP server on loopback for the mailsend tests (aiosmtpd).

usage: smtpd.py --dir DIR --port-file FILE [--drop-at N] [--fail CODE:N[,N...]]
                [--fail-rcpt ADDR:CODE] [--auth USER:PASS] [--tls CERT KEY]

Stores every accepted message as DIR/NNNN.eml and appends
{"n","mail_from","rcpt","message_id"} to DIR/received.ndjson. Counts DATA commands
from 1 over the server's life (several client runs):
  --drop-at N        closes the connection without a reply at the N-th DATA (not stored)
  --fail CODE:N,...  (repeatable) answers CODE (421 also closes the connection) at those DATA commands
  --fail-rcpt A:CODE answers CODE to RCPT TO:<A>, always
  --auth USER:PASS   requires AUTH (PLAIN/LOGIN) with these credentials
  --tls CERT KEY     offers STARTTLS with this certificate
Writes the port to FILE once it listens; runs until killed.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, args):
        self.args = args
        self.data_count = 0
        self.stored = 0
        self.fail = {}
        for spec in args.fail or []:
            code, ns = spec.split(":", 1)
            for n in ns.split(","):
                self.fail[int(n)] = int(code)
        self.fail_rcpt = {}
        for spec in args.fail_rcpt or []:
            addr, code = spec.rsplit(":", 1)
            self.fail_rcpt[addr.lower()] = int(code)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.fail_rcpt.get(address.lower())
        if code:
            return "%d %d.1.1 <%s> refused by test" % (code, code // 100, address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        n = self.data_count
        if self.args.drop_at == n:
            server.transport.abort()
            return "421 dropped"
        code = self.fail.get(n)
        if code:
            if code == 421:
                server.transport.write(b"421 4.3.2 closing by test\r\n")
                server.transport.close()
                return "421 closing"
            return "%d %d.3.0 try again later (test)" % (code, code // 100)
        self.stored += 1
        path = os.path.join(self.args.dir, "%04d.eml" % self.stored)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with open(os.path.join(self.args.dir, "received.ndjson"), "a") as f:
            f.write(json.dumps({"n": self.stored, "mail_from": envelope.mail_from,
                                "rcpt": envelope.rcpt_tos,
                                "message_id": msg.get("Message-ID")}) + "\n")
        return "250 2.0.0 stored as %04d" % self.stored


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--drop-at", type=int, default=0)
    ap.add_argument("--fail", action="append")
    ap.add_argument("--fail-rcpt", action="append")
    ap.add_argument("--auth")
    ap.add_argument("--tls", nargs=2)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    kw = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False)

        kw.update(auth_required=True, auth_require_tls=False, authenticator=authenticator)
        warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kw.update(tls_context=ctx, require_starttls=True)
        if args.auth:
            kw["auth_require_tls"] = True
    ctl = Controller(Handler(args), hostname="127.0.0.1", port=port, server_hostname="localhost",
                     ready_timeout=10, **kw)
    ctl.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        ctl.stop()


if __name__ == "__main__":
    sys.exit(main())
