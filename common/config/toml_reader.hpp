// Strict reading of a parsed TOML document into typed fields.
//
// The reader remembers every key it was asked for; `unknown_keys()` then reports each
// key the file has that nobody asked for, with its line, so a typo in a key name is an
// error instead of a silently ignored setting.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace mr::config {

class TomlReader {
public:
    TomlReader(const toml::table& root, std::string file_name);

    // Each getter leaves `out` untouched when the key is absent (defaults stay) and
    // records an error when the value has the wrong type or fails its check.
    void string(std::string_view table, std::string_view key, std::string& out, bool required = false);
    void integer(std::string_view table, std::string_view key, std::int64_t& out,
                 std::int64_t min, std::int64_t max);
    void boolean(std::string_view table, std::string_view key, bool& out);
    void string_list(std::string_view table, std::string_view key, std::vector<std::string>& out);

    // Adds errors for every table or key present in the file that was never read.
    void check_unknown_keys();

    // Records an error about `table.key` at its line (used for semantic checks).
    void fail(std::string_view table, std::string_view key, const std::string& why);

    const std::vector<std::string>& errors() const { return errors_; }
    const std::set<std::string>& known_keys() const { return known_keys_; }

private:
    const toml::node* find(std::string_view table, std::string_view key);
    std::string where(const toml::node* node) const;

    const toml::table& root_;
    std::string file_;
    std::set<std::string> known_tables_;
    std::set<std::string> known_keys_;  // "table.key"
    std::vector<std::string> errors_;
};

}  // namespace mr::config
