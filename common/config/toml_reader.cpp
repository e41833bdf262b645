#include "common/config/toml_reader.hpp"

namespace mr::config {

TomlReader::TomlReader(const toml::table& root, std::string file_name)
    : root_(root), file_(std::move(file_name)) {}

std::string TomlReader::where(const toml::node* node) const {
    std::string w = file_;
    if (node != nullptr && node->source().begin.line > 0) {
        w += ":" + std::to_string(node->source().begin.line);
    }
    return w;
}

const toml::node* TomlReader::find(std::string_view table, std::string_view key) {
    known_tables_.emplace(table);
    known_keys_.emplace(std::string(table) + "." + std::string(key));
    const toml::node* t = root_.get(table);
    if (t == nullptr || !t->is_table()) return nullptr;
    return t->as_table()->get(key);
}

void TomlReader::fail(std::string_view table, std::string_view key, const std::string& why) {
    const toml::node* node = find(table, key);
    if (node == nullptr) node = root_.get(table);
    errors_.push_back(where(node) + ": [" + std::string(table) + "] " + std::string(key) + ": " + why);
}

void TomlReader::string(std::string_view table, std::string_view key, std::string& out, bool required) {
    const toml::node* node = find(table, key);
    if (node == nullptr) {
        if (required) fail(table, key, "required key is missing");
        return;
    }
    if (auto v = node->value<std::string>(); v && node->is_string()) {
        out = *v;
        return;
    }
    fail(table, key, "expected a string");
}

void TomlReader::integer(std::string_view table, std::string_view key, std::int64_t& out,
                         std::int64_t min, std::int64_t max) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return;
    if (!node->is_integer()) {
        fail(table, key, "expected an integer");
        return;
    }
    std::int64_t v = node->as_integer()->get();
    if (v < min || v > max) {
        fail(table, key, "value " + std::to_string(v) + " is outside " + std::to_string(min) + ".." +
                             std::to_string(max));
        return;
    }
    out = v;
}

void TomlReader::boolean(std::string_view table, std::string_view key, bool& out) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return;
    if (!node->is_boolean()) {
        fail(table, key, "expected true or false");
        return;
    }
    out = node->as_boolean()->get();
}

void TomlReader::string_list(std::string_view table, std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = find(table, key);
    if (node == nullptr) return;
    const toml::array* arr = node->as_array();
    if (arr == nullptr) {
        fail(table, key, "expected a list of strings");
        return;
    }
    std::vector<std::string> values;
    for (const toml::node& item : *arr) {
        auto s = item.value<std::string>();
        if (!item.is_string() || !s) {
            fail(table, key, "expected a list of strings");
            return;
        }
        values.push_back(*s);
    }
    out = std::move(values);
}

void TomlReader::check_unknown_keys() {
    for (const auto& [name, node] : root_) {
        std::string table(name.str());
        if (!known_tables_.contains(table)) {
            errors_.push_back(where(&node) + ": unknown section or key '" + table + "'");
            continue;
        }
        if (!node.is_table()) {
            errors_.push_back(where(&node) + ": '" + table + "' must be a section");
            continue;
        }
        for (const auto& [k, v] : *node.as_table()) {
            std::string full = table + "." + std::string(k.str());
            if (!known_keys_.contains(full)) {
                errors_.push_back(where(&v) + ": unknown key '" + std::string(k.str()) + "' in [" + table + "]");
            }
        }
    }
}

}  // namespace mr::config
