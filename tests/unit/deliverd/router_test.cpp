#include <doctest/doctest.h>

#include <map>

#include "deliverd/router.hpp"

using namespace mr::deliverd;

namespace {

// A directory as a table: users, aliases (with "@domain" catch-alls), our domains.
struct FakeDirectory {
    std::vector<std::string> users;
    std::map<std::string, std::vector<std::string>> aliases;
    std::vector<std::string> domains{"example.test"};
    bool broken = false;

    mr::Result<Lookup> operator()(std::string_view address) const {
        if (broken) return mr::Error::internal("database is locked");
        std::string a(address);
        auto at = a.rfind('@');
        if (at == std::string::npos) return mr::Error::syntax("no @");
        std::string domain = a.substr(at + 1);
        bool ours = false;
        for (const auto& d : domains) ours = ours || d == domain;
        if (!ours) return Lookup{Lookup::NotLocal, {}, {}};
        auto local = a.substr(0, at);
        for (std::string key : {a, local.substr(0, local.find('+')) + "@" + domain}) {
            for (const auto& u : users) {
                if (u == key) return Lookup{Lookup::User, u, {}};
            }
            if (auto it = aliases.find(key); it != aliases.end()) return Lookup{Lookup::Alias, {}, it->second};
        }
        if (auto it = aliases.find("@" + domain); it != aliases.end()) return Lookup{Lookup::Alias, {}, it->second};
        return Lookup{Lookup::NotFound, {}, {}};
    }
};

Route must_route(const FakeDirectory& dir, std::string_view address) {
    auto r = route(address, [&dir](std::string_view a) { return dir(a); });
    REQUIRE(r.ok());
    return *r;
}

}  // namespace

TEST_CASE("router: a user, a +tag, a foreign domain and an unknown address") {
    FakeDirectory dir;
    dir.users = {"bob@example.test"};
    auto r = must_route(dir, "bob@example.test");
    CHECK_FALSE(r.expanded);
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].kind == RouteTarget::Local);
    CHECK(r.targets[0].user == "bob@example.test");

    r = must_route(dir, "bob+lists@example.test");  // subaddress: Delivered-To keeps the tag
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].kind == RouteTarget::Local);
    CHECK(r.targets[0].address == "bob+lists@example.test");
    CHECK(r.targets[0].user == "bob@example.test");

    r = must_route(dir, "someone@elsewhere.org");
    CHECK(r.targets[0].kind == RouteTarget::Remote);

    r = must_route(dir, "nobody@example.test");
    CHECK(r.targets[0].kind == RouteTarget::Failed);
    CHECK(r.targets[0].reply.starts_with("550 5.1.1"));
}

TEST_CASE("router: nested aliases with external targets, duplicates collapse") {
    FakeDirectory dir;
    dir.users = {"bob@example.test", "carol@example.test"};
    dir.aliases["team@example.test"] = {"bob@example.test", "ops@example.test"};
    dir.aliases["ops@example.test"] = {"carol@example.test", "pager@remote.org", "bob@example.test"};
    auto r = must_route(dir, "team@example.test");
    CHECK(r.expanded);
    REQUIRE(r.targets.size() == 3);
    CHECK(r.targets[0].address == "bob@example.test");
    CHECK(r.targets[1].address == "carol@example.test");
    CHECK(r.targets[2].kind == RouteTarget::Remote);
}

TEST_CASE("router: alias loops end, with a 5.4.6 failure when nothing is left") {
    FakeDirectory dir;
    dir.users = {"bob@example.test"};
    dir.aliases["a@example.test"] = {"b@example.test"};
    dir.aliases["b@example.test"] = {"a@example.test"};
    auto r = must_route(dir, "a@example.test");
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].kind == RouteTarget::Failed);
    CHECK(r.targets[0].reply.starts_with("554 5.4.6"));

    // A loop with a way out delivers through the way out.
    dir.aliases["b@example.test"] = {"a@example.test", "bob@example.test"};
    r = must_route(dir, "a@example.test");
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].kind == RouteTarget::Local);
}

TEST_CASE("router: catch-all, unknown alias targets and lookup errors") {
    FakeDirectory dir;
    dir.users = {"postmaster@example.test"};
    dir.aliases["@example.test"] = {"postmaster@example.test"};
    auto r = must_route(dir, "anything@example.test");
    CHECK(r.expanded);
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].user == "postmaster@example.test");

    FakeDirectory d2;
    d2.aliases["x@example.test"] = {"ghost@example.test"};
    r = must_route(d2, "x@example.test");
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].kind == RouteTarget::Failed);
    CHECK(r.targets[0].address == "ghost@example.test");

    d2.broken = true;  // an internal error is not a bounce: the caller retries
    auto err = route("x@example.test", [&d2](std::string_view a) { return d2(a); });
    REQUIRE_FALSE(err.ok());

    auto bad = must_route(d2 = FakeDirectory{}, "no-at-sign");
    CHECK(bad.targets[0].kind == RouteTarget::Failed);
}

TEST_CASE("router: remote targets of an alias are forwarded, those of a reversed SRS address are not") {
    FakeDirectory dir;
    dir.aliases["fwd@example.test"] = {"friend@remote.test"};
    auto r = must_route(dir, "fwd@example.test");
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].kind == RouteTarget::Remote);
    CHECK(r.targets[0].forwarded);
    CHECK_FALSE(must_route(dir, "direct@remote.test").targets[0].forwarded);

    const auto lookup = [&dir](std::string_view a) -> mr::Result<Lookup> {
        if (a.starts_with("SRS0=")) return Lookup{Lookup::Reversed, {}, {"sender@elsewhere.test"}};
        return dir(a);
    };
    auto back = route("SRS0=hash=TT=elsewhere.test=sender@example.test", lookup);
    REQUIRE(back.ok());
    CHECK(back->expanded);
    REQUIRE(back->targets.size() == 1);
    CHECK(back->targets[0].address == "sender@elsewhere.test");
    CHECK(back->targets[0].kind == RouteTarget::Remote);
    CHECK_FALSE(back->targets[0].forwarded);
}
