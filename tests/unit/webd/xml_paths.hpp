// Test helper: a document's elements as "a/b/c" = text lines (namespace-aware, "{ns}name"),
// read by expat, so tests check the structure the formats' published examples have.
#pragma once

#include <expat.h>

#include <map>
#include <string>
#include <vector>

namespace mr::webd::test {

struct XmlPaths {
    bool well_formed = false;
    std::multimap<std::string, std::string> values;  // path -> trimmed text
    std::vector<std::string> attributes;             // "path@name=value"
};

inline XmlPaths xml_paths(const std::string& doc) {
    struct State {
        std::vector<std::string> path;
        std::vector<std::string> text;
        XmlPaths out;
    } st;
    XML_Parser p = XML_ParserCreateNS(nullptr, '}');
    XML_SetUserData(p, &st);
    static auto name_of = [](const XML_Char* n) {
        std::string s(n);
        return s.find('}') == std::string::npos ? s : "{" + s;
    };
    XML_SetElementHandler(
        p,
        [](void* d, const XML_Char* name, const XML_Char** attrs) {
            auto& s = *static_cast<State*>(d);
            s.path.push_back(name_of(name));
            s.text.emplace_back();
            std::string at;
            for (const auto& e : s.path) at += (at.empty() ? "" : "/") + e;
            for (int i = 0; attrs[i]; i += 2) s.out.attributes.push_back(at + "@" + attrs[i] + "=" + attrs[i + 1]);
        },
        [](void* d, const XML_Char*) {
            auto& s = *static_cast<State*>(d);
            std::string at;
            for (const auto& e : s.path) at += (at.empty() ? "" : "/") + e;
            std::string t = s.text.back();
            auto b = t.find_first_not_of(" \n\r\t");
            t = b == std::string::npos ? "" : t.substr(b, t.find_last_not_of(" \n\r\t") - b + 1);
            if (!t.empty()) s.out.values.emplace(at, t);
            s.path.pop_back();
            s.text.pop_back();
        });
    XML_SetCharacterDataHandler(p, [](void* d, const XML_Char* s, int len) {
        auto& st2 = *static_cast<State*>(d);
        if (!st2.text.empty()) st2.text.back().append(s, static_cast<std::size_t>(len));
    });
    st.out.well_formed = XML_Parse(p, doc.data(), static_cast<int>(doc.size()), XML_TRUE) == XML_STATUS_OK;
    XML_ParserFree(p);
    return st.out;
}

}  // namespace mr::webd::test
