#include "smtpd/proto/header_from.hpp"

#include <algorithm>

#include "common/mime/address_list.hpp"
#include "common/mime/header_parser.hpp"
#include "common/text/ascii.hpp"

namespace mr::smtpd {

HeaderFrom header_from(std::string_view message) {
    HeaderFrom result;
    mime::HeaderScanner scanner(message);
    while (auto field = scanner.next()) {
        if (!mime::header_name_equals(field->name, "From")) continue;
        result.present = true;
        bool any = false;
        for (const auto& a : mime::parse_address_list(mime::unfold(field->raw_value))) {
            if (a.is_group_start() || a.is_group_end()) continue;
            if (!a.mailbox || a.mailbox->empty() || !a.host || a.host->empty()) {
                result.unusable = true;
                continue;
            }
            any = true;
            std::string address = *a.mailbox + "@" + *a.host;
            const bool seen = std::any_of(result.addresses.begin(), result.addresses.end(),
                                          [&](const std::string& s) { return text::iequals(s, address); });
            if (!seen) result.addresses.push_back(std::move(address));
        }
        if (!any) result.unusable = true;
    }
    return result;
}

}  // namespace mr::smtpd
