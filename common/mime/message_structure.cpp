// Blob layout (all integers unsigned LEB128, "str" = length + bytes, "opt" = one
// byte 0/1 then the value when 1):
//   blob      = version:u8 size envelope part
//   envelope  = opt-str date, subject, in_reply_to, message_id;
//               addrlist from, sender, reply_to, to, cc, bcc
//   addrlist  = count *(presence:u8 [str name] [str adl] [str mailbox] [str host])
//               (presence bit 0 name, 1 adl, 2 mailbox, 3 host)
//   part      = kind:u8 header_start header_size body_size body_lines header_extra
//               body_extra str type str subtype params opt-str id opt-str description
//               str encoding opt-str md5 opt(str type params) langs opt-str location
//               [envelope if kind == Message] count *part
//   params    = count *(str name str value extended:u8)
// Sizes rather than end offsets keep the common small numbers to one or two bytes.
#include "common/mime/message_structure.hpp"

namespace mr::mime {
namespace {

// Deeper than any tree parse_message can build (depth limit 50, two levels per
// message/rfc822), low enough that recursion cannot exhaust the stack.
constexpr int kMaxBlobDepth = 256;

class Writer {
public:
    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void num(std::uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<char>(v));
    }
    void str(std::string_view s) {
        num(s.size());
        out_.append(s);
    }
    void opt(const std::optional<std::string>& s) {
        u8(s ? 1 : 0);
        if (s) str(*s);
    }
    void params(const std::vector<Param>& ps) {
        num(ps.size());
        for (const Param& p : ps) {
            str(p.name);
            str(p.value);
            u8(p.extended ? 1 : 0);
        }
    }
    void addresses(const std::vector<Address>& list) {
        num(list.size());
        for (const Address& a : list) {
            u8(static_cast<std::uint8_t>((a.name ? 1 : 0) | (a.adl ? 2 : 0) | (a.mailbox ? 4 : 0) |
                                         (a.host ? 8 : 0)));
            for (const auto* f : {&a.name, &a.adl, &a.mailbox, &a.host}) {
                if (*f) str(**f);
            }
        }
    }
    void envelope(const Envelope& e) {
        opt(e.date);
        opt(e.subject);
        opt(e.in_reply_to);
        opt(e.message_id);
        for (const auto* l : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) addresses(*l);
    }
    void part(const Part& p) {
        u8(static_cast<std::uint8_t>(p.kind));
        num(p.header_start);
        num(p.body_start - p.header_start);
        num(p.end - p.body_start);
        num(p.body_lines);
        num(p.header_extra);
        num(p.body_extra);
        str(p.type);
        str(p.subtype);
        params(p.params);
        opt(p.id);
        opt(p.description);
        str(p.encoding);
        opt(p.md5);
        u8(p.disposition ? 1 : 0);
        if (p.disposition) {
            str(p.disposition->type);
            params(p.disposition->params);
        }
        num(p.language.size());
        for (const std::string& l : p.language) str(l);
        opt(p.location);
        if (p.kind == PartKind::Message) envelope(p.envelope ? *p.envelope : Envelope{});
        num(p.children.size());
        for (const Part& c : p.children) part(c);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool failed() const { return failed_; }
    bool at_end() const { return pos_ == in_.size(); }

    std::uint8_t u8() {
        if (pos_ >= in_.size()) return fail(), 0;
        return static_cast<std::uint8_t>(in_[pos_++]);
    }
    std::uint64_t num() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const std::uint8_t b = u8();
            if (failed_) return 0;
            if (shift == 63 && b > 1) return fail(), 0;  // would overflow 64 bits
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        return fail(), 0;
    }
    // A count of items that each take at least one byte cannot exceed what is left:
    // this bounds every allocation by the blob's own size.
    std::uint64_t count() {
        const std::uint64_t n = num();
        if (n > in_.size() - pos_) return fail(), 0;
        return n;
    }
    // Everything is read into the caller's objects, reusing the capacity of the strings
    // and vectors already there (deserialize_into); each field is fully overwritten.
    void str(std::string& into) {
        const std::uint64_t n = count();
        if (failed_) return into.clear();
        into.assign(in_.data() + pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
    }
    void present_str(std::optional<std::string>& into, bool present) {
        if (!present) return into.reset();
        if (!into) into.emplace();
        str(*into);
    }
    void opt(std::optional<std::string>& into) {
        const std::uint8_t present = u8();
        if (present > 1) fail();
        present_str(into, !failed_ && present);
    }
    bool flag() {
        const std::uint8_t b = u8();
        if (b > 1) fail();
        return b == 1;
    }
    void params(std::vector<Param>& ps) {
        ps.resize(count());
        for (Param& p : ps) {
            str(p.name);
            str(p.value);
            p.extended = flag();
            if (failed_) return ps.clear();
        }
    }
    void addresses(std::vector<Address>& list) {
        list.resize(count());
        for (Address& a : list) {
            const std::uint8_t bits = u8();
            if (bits > 15) fail();
            if (failed_) return list.clear();
            present_str(a.name, bits & 1);
            present_str(a.adl, bits & 2);
            present_str(a.mailbox, bits & 4);
            present_str(a.host, bits & 8);
        }
    }
    void envelope(Envelope& e) {
        opt(e.date);
        opt(e.subject);
        opt(e.in_reply_to);
        opt(e.message_id);
        for (auto* l : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) addresses(*l);
    }
    // The same walk without building anything, for peek_root_sizes(): the checks are
    // the ones above, so a malformed front fails instead of yielding nonsense sizes.
    void skip_str() {
        const std::uint64_t n = count();
        if (!failed_) pos_ += static_cast<std::size_t>(n);
    }
    void skip_opt() {
        const std::uint8_t present = u8();
        if (present > 1) return fail();
        if (present) skip_str();
    }
    void skip_envelope() {
        for (int i = 0; i < 4 && !failed_; ++i) skip_opt();
        for (int l = 0; l < 6 && !failed_; ++l) {
            const std::uint64_t n = count();
            for (std::uint64_t a = 0; a < n && !failed_; ++a) {
                const std::uint8_t bits = u8();
                if (bits > 15) return fail();
                for (int f = 0; f < 4 && !failed_; ++f)
                    if (bits & (1 << f)) skip_str();
            }
        }
    }
    void part(Part& p, int depth) {
        if (depth > kMaxBlobDepth) return fail();
        const std::uint8_t kind = u8();
        if (kind > 2) return fail();
        p.kind = static_cast<PartKind>(kind);
        p.header_start = num();
        p.body_start = add(p.header_start, num());
        p.end = add(p.body_start, num());
        p.body_lines = num();
        p.header_extra = num();
        p.body_extra = num();
        str(p.type);
        str(p.subtype);
        params(p.params);
        opt(p.id);
        opt(p.description);
        str(p.encoding);
        opt(p.md5);
        if (flag()) {
            if (!p.disposition) p.disposition.emplace();
            str(p.disposition->type);
            params(p.disposition->params);
        } else {
            p.disposition.reset();
        }
        p.language.resize(count());
        for (std::string& l : p.language) str(l);
        opt(p.location);
        if (p.kind == PartKind::Message) {
            if (!p.envelope) p.envelope.emplace();
            envelope(*p.envelope);
        } else {
            p.envelope.reset();
        }
        if (failed_) return;
        p.children.resize(count());
        for (Part& c : p.children) {
            part(c, depth + 1);
            if (failed_) return;
        }
    }

private:
    void fail() { failed_ = true; }
    std::uint64_t add(std::uint64_t a, std::uint64_t b) {
        if (a + b < a) fail();
        return a + b;
    }

    std::string_view in_;
    std::size_t pos_ = 0;
    bool failed_ = false;
};

// The invariants of message_structure.hpp, so a renderer can trust any blob it reads.
bool consistent(const Part& p, std::uint64_t size) {
    if (p.header_start > p.body_start || p.body_start > p.end || p.end > size) return false;
    switch (p.kind) {
        case PartKind::Leaf:
            if (!p.children.empty() || p.envelope) return false;
            break;
        case PartKind::Multipart:
            if (p.children.empty() || p.envelope) return false;
            break;
        case PartKind::Message:
            if (p.children.size() != 1 || !p.envelope) return false;
            if (p.children[0].header_start != p.body_start || p.children[0].end != p.end) return false;
            break;
    }
    std::uint64_t cursor = p.body_start;
    for (const Part& c : p.children) {
        if (c.header_start < cursor || c.end > p.end || !consistent(c, size)) return false;
        cursor = c.end;
    }
    return true;
}

}  // namespace

std::string serialize(const MessageStructure& s) {
    Writer w;
    w.u8(kStructureBlobVersion);
    w.num(s.size);
    w.envelope(s.envelope);
    w.part(s.root);
    return w.take();
}

Result<MessageStructure> deserialize(std::string_view blob) {
    MessageStructure s;
    if (auto r = deserialize_into(blob, s); !r) return r.error();
    return s;
}

Result<void> deserialize_into(std::string_view blob, MessageStructure& s) {
    Reader r(blob);
    const std::uint8_t version = r.u8();
    if (r.failed()) return Error::syntax("mime structure blob: empty");
    if (version != kStructureBlobVersion) {
        return Error::syntax("mime structure blob: unknown version " + std::to_string(version));
    }
    s.size = r.num();
    r.envelope(s.envelope);
    if (!r.failed()) r.part(s.root, 0);
    if (r.failed()) return Error::syntax("mime structure blob: truncated or malformed");
    if (!r.at_end()) return Error::syntax("mime structure blob: trailing bytes");
    if (s.root.header_start != 0 || s.root.end != s.size || !consistent(s.root, s.size)) {
        return Error::syntax("mime structure blob: inconsistent part offsets");
    }
    return {};
}

Result<RootSizes> peek_root_sizes(std::string_view blob) {
    Reader r(blob);
    if (r.u8() != kStructureBlobVersion || r.failed()) return Error::syntax("mime structure blob: bad version");
    RootSizes s;
    s.size = r.num();
    r.skip_envelope();
    const std::uint8_t kind = r.u8();
    const std::uint64_t header_start = r.num();
    const std::uint64_t header_size = r.num();
    const std::uint64_t body_size = r.num();
    (void)r.num();  // body_lines
    s.header_extra = r.num();
    s.body_extra = r.num();
    s.body_start = header_size;
    if (r.failed() || kind > 2 || header_start != 0 || header_size > s.size || body_size != s.size - header_size)
        return Error::syntax("mime structure blob: truncated or malformed");
    return s;
}

}  // namespace mr::mime
