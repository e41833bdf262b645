// Drives imapflow (the IMAP client library of Nodemailer/EmailEngine) against imapd for
// tests/integration/test_imap_clients_imapflow.py.
//
//   node imapflow_client.js SCENARIO '{"port": 993, "user": "...", "pass": "...", ...}'
//
// Each scenario prints JSON objects, one per line, on stdout: the last one is the result
// ({"result": ...}) or the failure ({"error": "...", "transcript": [...]}, exit code 2).
// The transcript holds the last protocol lines imapflow logged, so a failing Python test
// shows what went over the wire.
//
// Scenarios:
//   inspect  list every folder (path, flags, specialUse), fetch uid, flags, size, envelope
//            and bodyStructure of every message of `mailbox`, and download `downloads`
//   move     move the messages with UIDs `uids` from `mailbox` to `destination`
//   manage   create `folder`, APPEND `message` with flags and `date`, STATUS, add \Seen,
//            fetch it back, rename it to `renamed`, delete it, list
//   idle     open `mailbox`, print {"event": "idling"} once the server accepted IDLE, then
//            one line per mailbox event ("exists", "flags", "expunge") until `events` were
//            seen or an event named `until` (or fail after `timeout_ms`)
'use strict';

const { ImapFlow } = require('imapflow');

const transcript = [];
let onIdling = null;

function remember(entry) {
    if (!entry || typeof entry !== 'object') return;
    const text = entry.src ? `${entry.src === 's' ? 'S' : 'C'}: ${entry.msg}` : String(entry.msg || '');
    if (!text) return;
    transcript.push(text.length > 500 ? text.slice(0, 500) + '...' : text);
    if (transcript.length > 200) transcript.shift();
    // imapflow logs this once the server answered IDLE with a continuation (commands/idle.js).
    if (entry.msg === 'Initiated IDLE, waiting for server input' && onIdling) onIdling();
}

const logger = {
    trace: remember, debug: remember, info: remember, warn: remember, error: remember, fatal: remember,
    isLevelEnabled: () => true,
};

function emit(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

function connect(args, extra) {
    return new ImapFlow(Object.assign({
        host: '127.0.0.1',
        port: args.port,
        // args.tls: "implicit" (the default, imaps), "starttls" (required) or "none".
        secure: !args.tls || args.tls === 'implicit',
        doSTARTTLS: args.tls === 'starttls' ? true : args.tls === 'none' ? false : undefined,
        // imapd's test instances use a self-signed certificate.
        tls: { rejectUnauthorized: false },
        auth: { user: args.user, pass: args.pass },
        logger,
        connectionTimeout: 10000,
        greetingTimeout: 10000,
    }, extra || {}));
}

async function inspect(args) {
    const client = connect(args);
    await client.connect();
    const folders = (await client.list()).map(f => ({
        path: f.path, delimiter: f.delimiter, flags: [...f.flags], specialUse: f.specialUse || null,
        subscribed: f.subscribed,
    }));
    const mailbox = await client.mailboxOpen(args.mailbox);
    const opened = { path: mailbox.path, exists: mailbox.exists, uidValidity: String(mailbox.uidValidity),
                     uidNext: mailbox.uidNext, flags: [...mailbox.flags], permanentFlags: [...mailbox.permanentFlags] };
    const messages = [];
    if (mailbox.exists > 0) {
        for await (const m of client.fetch('1:*', { uid: true, flags: true, size: true, envelope: true, bodyStructure: true,
                                                    internalDate: true })) {
            messages.push({ seq: m.seq, uid: m.uid, flags: [...m.flags], size: m.size, envelope: m.envelope,
                            bodyStructure: m.bodyStructure, internalDate: m.internalDate });
        }
    }
    // Parts downloaded (transfer-decoded by imapflow) in chunks of `chunkSize` octets, so a
    // small size makes imapflow use partial FETCHes (BODY.PEEK[part]<offset.length>).
    const downloads = [];
    for (const d of args.downloads || []) {
        const { meta, content } = await client.download(String(d.uid), d.part, { uid: true, chunkSize: d.chunkSize });
        const chunks = [];
        for await (const chunk of content) chunks.push(chunk);
        downloads.push({ uid: d.uid, part: d.part, contentType: meta.contentType, charset: meta.charset || null,
                         filename: meta.filename || null, content: Buffer.concat(chunks).toString('base64') });
    }
    await client.logout();
    return { folders, mailbox: opened, messages, downloads, capabilities: [...client.capabilities.keys()] };
}

async function move(args) {
    const client = connect(args);
    await client.connect();
    await client.mailboxOpen(args.mailbox);
    const moved = await client.messageMove(args.uids, args.destination, { uid: true });
    const left = [];
    for await (const m of client.fetch('1:*', { uid: true })) left.push(m.uid);
    await client.logout();
    return {
        path: moved.path, destination: moved.destination, uidValidity: moved.uidValidity ? String(moved.uidValidity) : null,
        uidMap: moved.uidMap ? [...moved.uidMap.entries()] : null, left,
    };
}

async function manage(args) {
    const client = connect(args);
    await client.connect();
    const out = {};
    out.created = await client.mailboxCreate(args.folder);
    const message = Buffer.from(args.message, 'utf8');
    out.appended = await client.append(args.folder, message, ['\\Draft', 'ProjectX'], new Date(args.date));
    out.status = await client.status(args.folder, { messages: true, unseen: true, uidNext: true });
    const lock = await client.getMailboxLock(args.folder);
    try {
        await client.messageFlagsAdd({ uid: out.appended.uid }, ['\\Seen'], { uid: true });
        const m = await client.fetchOne(String(out.appended.uid), { uid: true, flags: true, source: true, internalDate: true },
                                        { uid: true });
        out.fetched = { uid: m.uid, flags: [...m.flags].sort(), source: m.source.toString('utf8'),
                        internalDate: m.internalDate };
    } finally {
        lock.release();
    }
    out.renamed = await client.mailboxRename(args.folder, args.renamed);
    out.afterRename = await client.status(args.renamed, { messages: true, unseen: true });
    out.deleted = await client.mailboxDelete(args.renamed);
    out.listed = (await client.list()).map(f => f.path);
    await client.logout();
    out.appended.uidValidity = String(out.appended.uidValidity);
    return out;
}

async function idle(args) {
    const client = connect(args, { disableAutoIdle: true });
    await client.connect();
    const opened = await client.mailboxOpen(args.mailbox);
    const wanted = args.events || 1;
    let seen = 0;
    const done = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timeout waiting for mailbox events')), args.timeout_ms || 10000);
        const report = (event, data) => {
            emit(Object.assign({ event, at: Date.now() }, data));
            if (++seen === wanted || event === args.until) {
                clearTimeout(timer);
                resolve();
            }
        };
        client.on('exists', ev => report('exists', { count: ev.count, prevCount: ev.prevCount }));
        client.on('flags', ev => report('flags', { seq: ev.seq, uid: ev.uid || null, flags: [...ev.flags].sort() }));
        client.on('expunge', ev => report('expunge', { seq: ev.seq }));
    });
    onIdling = () => {
        onIdling = null;
        emit({ event: 'idling', exists: opened.exists, at: Date.now() });
    };
    const idling = client.idle();
    await done;
    // Leaving IDLE (DONE) and logging out must work as well.
    await client.noop();
    await idling;
    const exists = client.mailbox.exists;
    await client.logout();
    return { events: seen, exists };
}

const scenarios = { inspect, move, manage, idle };

async function main() {
    const scenario = scenarios[process.argv[2]];
    if (!scenario) throw new Error(`unknown scenario ${process.argv[2]}`);
    const args = JSON.parse(process.argv[3] || '{}');
    emit({ result: await scenario(args) });
}

main().then(() => process.exit(0), err => {
    emit({ error: String(err && err.message || err), code: err && err.code, response: err && err.response,
           transcript });
    process.exit(2);
});
