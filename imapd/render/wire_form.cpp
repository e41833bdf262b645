// See wire_form.hpp and common/text/message_data.hpp (section 4).
#include "imapd/render/wire_form.hpp"

namespace mr::imapd {

std::uint64_t wire_size(const mime::MessageStructure& structure) {
    return structure.size + structure.root.header_bare_lf + structure.root.body_bare_lf;
}

std::uint64_t wire_body_size(const mime::Part& part) {
    return part.body_size() + part.body_bare_lf;
}

std::uint64_t wire_header_size(const mime::Part& part) {
    return part.header_size() + part.header_bare_lf;
}

}  // namespace mr::imapd
