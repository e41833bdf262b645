#include "common/text/cross_protocol.hpp"

#include "common/text/ascii.hpp"

namespace mr::text {

bool is_http_verb(std::string_view keyword) {
    for (std::string_view v : {"GET", "POST", "CONNECT", "HEAD", "PUT", "OPTIONS"}) {
        if (iequals(keyword, v)) return true;
    }
    return false;
}

}  // namespace mr::text
