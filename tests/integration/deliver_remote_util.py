"""Helpers for test_deliver_remote.py: remote delivery through the running daemons.

A Mailroom instance (lib.py) is pointed at a dnsmasq (remote_util.Dnsmasq) through
delivery.dns_servers and at the remote side's port through delivery.remote_port; mail is
submitted with smtplib on the submission port (AUTH PLAIN, plaintext allowed on loopback)
and read back from the Maildirs (deliver_util) or with poplib.
"""
import poplib
import smtplib

from deliver_util import configure_fast_queue, inbox, report_parts, wait_until


def point_at_remote(mr, dns, remote_port, lifetime=None, delay_warning=None, dns_key="delivery.dns_servers"):
    """Remote delivery through `dns` to `remote_port`, short retry schedule, plaintext AUTH.
    The resolver goes in `dns_key`: "delivery.dns_servers" (the older name) or "dns.servers"."""
    if dns_key == "dns.servers":
        use_dns_servers(mr, dns.server)
    else:
        mr.set_option("dns_servers", "[]", f'["{dns.server}"]')
    mr.set_option("remote_port", "25", str(remote_port))
    mr.set_option("connect_timeout_s", "30", "3")
    mr.set_option("reuse_idle_s", "5", "1")
    mr.allow_plaintext_on_loopback()
    configure_fast_queue(mr, lifetime=lifetime, delay_warning=delay_warning)


def use_dns_servers(mr, server):
    """Sets [dns] servers alone (delivery.dns_servers stays empty)."""
    mr.set_dns_servers([server])


def submit(mr, user, password, recipients, message, sender=None):
    """Sends `message` (bytes) as `user` on the submission port; returns smtplib's refusals."""
    with smtplib.SMTP("127.0.0.1", mr.port("submission"), local_hostname="client.test", timeout=15) as s:
        s.login(user, password)
        return s.sendmail(sender or user, recipients, message)


def pop3_messages(mr, user, password):
    """Every message in `user`'s maildrop as bytes (CRLF lines, dot-unstuffed), via POP3."""
    pop = poplib.POP3("127.0.0.1", mr.port("pop3"), timeout=15)
    try:
        pop.user(user)
        pop.pass_(password)
        count, _ = pop.stat()
        out = []
        for i in range(1, count + 1):
            _, lines, _ = pop.retr(i)
            out.append(b"\r\n".join(lines) + b"\r\n")
        return out
    finally:
        pop.quit()


def body_of(raw):
    """The bytes after the header block of a message."""
    return raw.split(b"\r\n\r\n", 1)[1]


def find_report(mr, sender, final_recipient, action, timeout=20):
    """The RFC 3464 report in `sender`'s INBOX whose recipient block names `final_recipient`
    with `action`: (message, text part, status blocks, original part)."""
    def look():
        for msg in inbox(mr, sender):
            if msg.get_content_type() != "multipart/report":
                continue
            text, blocks, original = report_parts(msg)
            for b in blocks[1:]:
                if b.get("final-recipient", "").endswith(final_recipient) and b.get("action") == action:
                    return msg, text, blocks, original
        return None
    return wait_until(look, timeout, what=f"a '{action}' report about {final_recipient}")


def queue_entry(entries, recipient):
    """The `mailroom queue list --json` row holding `recipient`, or None."""
    for e in entries:
        if any(r["address"] == recipient for r in e["recipients"]):
            return e
    return None
