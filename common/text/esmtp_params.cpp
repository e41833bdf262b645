#include "common/text/esmtp_params.hpp"

#include "common/text/ascii.hpp"

namespace mr::text {
namespace {

bool is_esmtp_keyword(std::string_view k) {
    if (k.empty() || !is_alnum(k.front())) return false;
    for (char c : k)
        if (!is_alnum(c) && c != '-') return false;
    return true;
}

Result<void> check_esmtp_value(std::string_view v, bool smtputf8) {
    if (v.empty()) return Error::syntax("empty ESMTP parameter value");
    bool non_ascii = false;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            non_ascii = true;
        } else if (u < 33 || u > 126 || u == '=') {
            return Error::syntax("invalid character in ESMTP parameter value");
        }
    }
    if (non_ascii) {
        if (!is_valid_utf8(v)) return Error::syntax("invalid UTF-8 in ESMTP parameter value");
        if (!smtputf8) return Error::syntax("non-ASCII ESMTP parameter value requires SMTPUTF8");
    }
    return {};
}

}  // namespace

Result<std::vector<EsmtpParam>> parse_mail_params(std::string_view text, bool smtputf8) {
    std::vector<EsmtpParam> params;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 32 || u == 127) return Error::syntax("control character in ESMTP parameters");
    }
    for (const auto field : split_spaces(text)) {
        const auto eq = field.find('=');
        const auto keyword = field.substr(0, eq);
        if (!is_esmtp_keyword(keyword)) return Error::syntax("invalid ESMTP parameter keyword");
        EsmtpParam param{to_upper(keyword), std::nullopt};
        if (eq != std::string_view::npos) {
            const auto value = field.substr(eq + 1);
            if (auto r = check_esmtp_value(value, smtputf8); !r) return r.error();
            param.value = std::string(value);
        }
        if (find_param(params, param.keyword) != nullptr)
            return Error::syntax("duplicate ESMTP parameter " + param.keyword);
        params.push_back(std::move(param));
    }
    return params;
}

const EsmtpParam* find_param(const std::vector<EsmtpParam>& params, std::string_view keyword) {
    for (const auto& p : params)
        if (iequals(p.keyword, keyword)) return &p;
    return nullptr;
}

}  // namespace mr::text
