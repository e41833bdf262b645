"""What a user's mail clients see of a data dir, as comparable data: every folder's
UIDVALIDITY and UIDNEXT, each message's UID, flags and a hash of its bytes over IMAP, and
the POP3 UIDL listing. Two data dirs that give the same view look the same to Thunderbird
and to a POP3 client that keeps mail on the server."""
import hashlib
import imaplib
import poplib
import re


def _folders(imap):
    typ, lines = imap.list('""', "*")
    assert typ == "OK", lines
    names = []
    for line in lines:
        text = line.decode() if isinstance(line, bytes) else line
        m = re.match(r'\((?P<attrs>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$', text)
        assert m, text
        if "\\Noselect" in m.group("attrs"):
            continue
        name = m.group("name")
        names.append(name[1:-1] if name.startswith('"') else name)
    return sorted(names)


def _folder_view(imap, name):
    typ, _ = imap.select(f'"{name}"', readonly=True)
    assert typ == "OK", name
    typ, data = imap.status(f'"{name}"', "(UIDVALIDITY UIDNEXT MESSAGES)")
    assert typ == "OK", data
    status = dict(re.findall(r"(UIDVALIDITY|UIDNEXT|MESSAGES) (\d+)", data[0].decode()))
    messages = []
    if int(status["MESSAGES"]) > 0:
        typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
        assert typ == "OK", data
        for item in data:
            if not isinstance(item, tuple):
                continue
            head = item[0].decode()
            uid = int(re.search(r"UID (\d+)", head).group(1))
            flags = sorted(f for f in re.search(r"FLAGS \(([^)]*)\)", head).group(1).split()
                           if f != "\\Recent")
            messages.append({"uid": uid, "flags": flags, "sha256": hashlib.sha256(item[1]).hexdigest()})
    return {"uidvalidity": int(status["UIDVALIDITY"]), "uidnext": int(status["UIDNEXT"]),
            "messages": sorted(messages, key=lambda m: m["uid"])}


def capture(imap_port, pop3_port, user, password):
    with imaplib.IMAP4("127.0.0.1", imap_port, timeout=20) as imap:
        imap.login(user, password)
        view = {"folders": {name: _folder_view(imap, name) for name in _folders(imap)}}
    pop = poplib.POP3("127.0.0.1", pop3_port, timeout=20)
    try:
        pop.user(user)
        pop.pass_(password)
        view["uidl"] = [line.decode() for line in pop.uidl()[1]]
    finally:
        pop.quit()
    return view
