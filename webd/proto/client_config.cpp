#include "webd/proto/client_config.hpp"

#include <expat.h>

#include <toml++/toml.h>

#include <sstream>
#include <vector>

namespace mr::webd::proto {

std::string escape_xml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

void server_xml(std::string& out, const char* element, const char* type, const std::string& host, int port,
                const char* socket_type) {
    if (port == 0) return;
    out += std::string("    <") + element + " type=\"" + type + "\">\n";
    out += "      <hostname>" + escape_xml(host) + "</hostname>\n";
    out += "      <port>" + std::to_string(port) + "</port>\n";
    out += std::string("      <socketType>") + socket_type + "</socketType>\n";
    out += "      <username>%EMAILADDRESS%</username>\n";
    out += "      <authentication>password-cleartext</authentication>\n";
    out += std::string("    </") + element + ">\n";
}

void protocol_xml(std::string& out, const char* type, const std::string& host, int port, const std::string& login) {
    if (port == 0) return;
    out += "      <Protocol>\n";
    out += std::string("        <Type>") + type + "</Type>\n";
    out += "        <Server>" + escape_xml(host) + "</Server>\n";
    out += "        <Port>" + std::to_string(port) + "</Port>\n";
    out += "        <LoginName>" + escape_xml(login) + "</LoginName>\n";
    out += "        <DomainRequired>off</DomainRequired>\n";
    out += "        <SPA>off</SPA>\n";
    out += "        <SSL>on</SSL>\n";
    out += "        <AuthRequired>on</AuthRequired>\n";
    out += "      </Protocol>\n";
}

}  // namespace

std::string autoconfig_xml(const Site& site, const std::string& domain) {
    const std::string d = escape_xml(domain);
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n";
    out += "  <emailProvider id=\"" + d + "\">\n";
    out += "    <domain>" + d + "</domain>\n";
    out += "    <displayName>" + d + "</displayName>\n";
    out += "    <displayShortName>" + d + "</displayShortName>\n";
    // Implicit TLS first: RFC 8314 §4.5.2 (rfc8314.txt:586) prefers it to STARTTLS.
    server_xml(out, "incomingServer", "imap", site.hostname, site.imaps, "SSL");
    server_xml(out, "incomingServer", "imap", site.hostname, site.imap, "STARTTLS");
    server_xml(out, "incomingServer", "pop3", site.hostname, site.pop3s, "SSL");
    server_xml(out, "incomingServer", "pop3", site.hostname, site.pop3, "STARTTLS");
    server_xml(out, "outgoingServer", "smtp", site.hostname, site.submissions, "SSL");
    server_xml(out, "outgoingServer", "smtp", site.hostname, site.submission, "STARTTLS");
    out += "  </emailProvider>\n</clientConfig>\n";
    return out;
}

std::string autodiscover_xml(const Site& site, const std::string& address) {
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<Autodiscover xmlns=\"" + std::string(kAutodiscoverResponseNs) + "\">\n";
    out += "  <Response xmlns=\"" + std::string(kAutodiscoverOutlookNs) + "\">\n";
    out += "    <Account>\n";
    out += "      <AccountType>email</AccountType>\n";
    out += "      <Action>settings</Action>\n";
    protocol_xml(out, "IMAP", site.hostname, site.imaps, address);
    protocol_xml(out, "SMTP", site.hostname, site.submissions, address);
    protocol_xml(out, "POP3", site.hostname, site.pop3s, address);
    out += "    </Account>\n  </Response>\n</Autodiscover>\n";
    return out;
}

std::string autodiscover_json(const std::string& domain) {
    // toml++'s JSON formatter does the encoding (HACKING.md: no hand-written formats).
    toml::table t{{"Protocol", "AutodiscoverV1"},
                  {"Url", "https://autodiscover." + domain + "/autodiscover/autodiscover.xml"}};
    std::ostringstream out;
    out << toml::json_formatter{t, toml::format_flags::none};
    return out.str();
}

namespace {

// Expat, namespace-aware with ' ' as separator: element names arrive as "NS LOCAL".
struct PoxParse {
    XML_Parser parser = nullptr;
    std::vector<std::string> path;  // open elements
    std::string email;
    std::string text;
    bool in_email = false;
    bool found = false;
    bool refused = false;
};

const std::string& request_ns() {
    static const std::string ns(kAutodiscoverRequestNs);
    return ns;
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** /*attrs*/) {
    auto& p = *static_cast<PoxParse*>(data);
    p.path.emplace_back(name);
    const std::string prefix = request_ns() + " ";
    // Autodiscover / Request / EMailAddress, all in the request schema's namespace.
    if (p.path.size() == 3 && p.path[0] == prefix + "Autodiscover" && p.path[1] == prefix + "Request" &&
        p.path[2] == prefix + "EMailAddress") {
        p.in_email = true;
        p.text.clear();
    }
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
    auto& p = *static_cast<PoxParse*>(data);
    if (p.in_email && !p.found) {
        p.email = p.text;
        p.found = true;
    }
    p.in_email = false;
    if (!p.path.empty()) p.path.pop_back();
}

void XMLCALL on_text(void* data, const XML_Char* s, int len) {
    auto& p = *static_cast<PoxParse*>(data);
    if (p.in_email && p.text.size() + static_cast<std::size_t>(len) <= 512) p.text.append(s, static_cast<std::size_t>(len));
}

void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    auto& p = *static_cast<PoxParse*>(data);
    p.refused = true;
    XML_StopParser(p.parser, XML_FALSE);
}

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

}  // namespace

Result<std::string> parse_autodiscover_request(std::string_view body) {
    PoxParse p;
    p.parser = XML_ParserCreateNS(nullptr, ' ');
    if (p.parser == nullptr) return Error::internal("cannot create an XML parser");
    XML_SetUserData(p.parser, &p);
    XML_SetElementHandler(p.parser, on_start, on_end);
    XML_SetCharacterDataHandler(p.parser, on_text);
    XML_SetStartDoctypeDeclHandler(p.parser, on_doctype);
    const auto status = XML_Parse(p.parser, body.data(), static_cast<int>(body.size()), XML_TRUE);
    const std::string why = status == XML_STATUS_OK ? "" : XML_ErrorString(XML_GetErrorCode(p.parser));
    XML_ParserFree(p.parser);
    if (p.refused) return Error::syntax("a DOCTYPE is not accepted");
    if (status != XML_STATUS_OK) return Error::syntax("not well-formed XML: " + why);
    if (!p.found) return Error::syntax("no Autodiscover/Request/EMailAddress of the request schema");
    return trim(p.email);
}

}  // namespace mr::webd::proto
