#include "common/sieve/includes.hpp"

#include <algorithm>

namespace mr::sieve {

namespace {

void collect(const std::vector<Command>& commands, std::vector<std::string>& out) {
    for (const auto& c : commands) {
        if (c.kind == Command::Kind::Include && !c.global &&
            std::find(out.begin(), out.end(), c.argument) == out.end())
            out.push_back(c.argument);
        for (const auto& b : c.branches) collect(b.block, out);
    }
}

struct Walk {
    const std::function<std::optional<Program>(const std::string&)>& load;
    std::size_t max_depth;
    std::vector<std::string> path;

    Result<void> visit(const Program& p) {
        for (const auto& next : personal_includes(p)) {
            if (std::find(path.begin(), path.end(), next) != path.end()) {
                std::string chain;
                for (const auto& n : path) chain += n + " -> ";
                return Error::refused("include loop: " + chain + next);
            }
            if (path.size() >= max_depth)
                return Error::refused("includes nested deeper than " + std::to_string(max_depth));
            auto included = load(next);
            if (!included) continue;
            path.push_back(next);
            if (auto r = visit(*included); !r) return r;
            path.pop_back();
        }
        return {};
    }
};

}  // namespace

std::vector<std::string> personal_includes(const Program& program) {
    std::vector<std::string> out;
    collect(program.commands, out);
    return out;
}

Result<void> check_include_graph(const std::string& name, const Program& program,
                                 const std::function<std::optional<Program>(const std::string&)>& load,
                                 std::size_t max_depth) {
    Walk walk{load, max_depth, {name}};
    return walk.visit(program);
}

}  // namespace mr::sieve
