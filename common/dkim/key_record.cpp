#include "common/dkim/key_record.hpp"

#include "common/dkim/base64.hpp"
#include "common/dkim/tag_list.hpp"

namespace mr::dkim {

Result<KeyRecord> parse_key_record(std::string_view txt) {
    auto tags = parse_tag_list(txt);
    if (!tags) return Error::syntax("key record: " + tags.error().message);
    KeyRecord key;
    if (const Tag* v = find_tag(*tags, "v"); v != nullptr && v->value != "DKIM1") {
        return Error::syntax("key record: not v=DKIM1");
    }
    if (const Tag* k = find_tag(*tags, "k"); k != nullptr) {
        if (k->value == "rsa") {
            key.type = KeyType::Rsa;
        } else if (k->value == "ed25519") {
            key.type = KeyType::Ed25519;
        } else {
            return Error::syntax("key record: unknown key type k=" + std::string(k->value));
        }
    }
    if (const Tag* h = find_tag(*tags, "h"); h != nullptr) {
        key.allows_sha256 = key.allows_sha1 = false;
        for (auto name : split_colons(h->value)) {
            if (name == "sha256") key.allows_sha256 = true;
            if (name == "sha1") key.allows_sha1 = true;
        }
    }
    if (const Tag* s = find_tag(*tags, "s"); s != nullptr) {
        key.for_email = false;
        for (auto name : split_colons(s->value)) {
            if (name == "*" || name == "email") key.for_email = true;
        }
    }
    if (const Tag* t = find_tag(*tags, "t"); t != nullptr) {
        for (auto flag : split_colons(t->value)) {
            if (flag == "y") key.testing = true;
            if (flag == "s") key.strict = true;
        }
    }
    const Tag* p = find_tag(*tags, "p");
    if (p == nullptr) return Error::syntax("key record: no p= tag");
    auto bytes = base64_decode(p->value);
    if (!bytes) return Error::syntax("key record: p= is not base64");
    key.revoked = bytes->empty();
    key.public_key = std::move(*bytes);
    return key;
}

}  // namespace mr::dkim
