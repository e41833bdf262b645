#include "deliverd/router.hpp"

#include <set>

#include "common/text/ascii.hpp"

namespace mr::deliverd {

namespace {

struct Expander {
    const LookupFn& lookup;
    Route out;
    std::set<std::string> seen_targets;
    std::vector<std::string> path;  // alias addresses being expanded (loop check)
    bool looped = false;

    void add(RouteTarget t) {
        if (seen_targets.insert(text::to_lower(t.address)).second) out.targets.push_back(std::move(t));
    }

    Result<void> expand(const std::string& address, int depth, bool via_alias) {
        const std::string key = text::to_lower(address);
        for (const auto& p : path) {
            if (p == key) {
                looped = true;
                return {};
            }
        }
        if (depth > kMaxAliasDepth) {
            looped = true;
            return {};
        }
        auto found = lookup(address);
        if (!found) {
            if (found.error().kind == ErrorKind::Internal) return found.error();
            add({RouteTarget::Failed, address, {}, "553 5.1.3 bad recipient address <" + address + ">"});
            return {};
        }
        switch (found->kind) {
            case Lookup::User:
                add({RouteTarget::Local, address, found->user, {}});
                return {};
            case Lookup::NotLocal:
                add({RouteTarget::Remote, address, {}, {}, via_alias});
                return {};
            case Lookup::NotFound:
                add({RouteTarget::Failed, address, {}, "550 5.1.1 <" + address + ">: no such user here"});
                return {};
            case Lookup::Alias:
            case Lookup::Reversed:
                break;
        }
        out.expanded = true;
        path.push_back(key);
        for (const auto& t : found->targets) {
            if (auto r = expand(t, depth + 1, found->kind == Lookup::Alias); !r) return r;
        }
        path.pop_back();
        return {};
    }
};

}  // namespace

Result<Route> route(std::string_view address, const LookupFn& lookup) {
    Expander ex{lookup, {}, {}, {}, false};
    if (auto r = ex.expand(std::string(address), 0, false); !r) return r.error();
    if (ex.out.targets.empty()) {
        ex.out.targets.push_back({RouteTarget::Failed, std::string(address), {},
                                  ex.looped ? "554 5.4.6 alias loop: <" + std::string(address) +
                                                  "> expands to nothing but itself"
                                            : "550 5.1.1 <" + std::string(address) + ">: alias has no targets"});
    }
    return std::move(ex.out);
}

}  // namespace mr::deliverd
