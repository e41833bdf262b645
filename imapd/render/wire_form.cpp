// See wire_form.hpp and common/text/message_data.hpp (section 4).
#include "imapd/render/wire_form.hpp"

namespace mr::imapd {

std::uint64_t wire_size(const mime::MessageStructure& structure) {
    return structure.size + structure.root.header_extra + structure.root.body_extra;
}

std::uint64_t wire_body_size(const mime::Part& part) {
    return part.body_size() + part.body_extra;
}

std::uint64_t wire_header_size(const mime::Part& part) {
    return part.header_size() + part.header_extra;
}

}  // namespace mr::imapd
