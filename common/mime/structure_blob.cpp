#include "common/mime/structure_blob.hpp"

#include "common/mime/message_parser.hpp"
#include "common/mime/message_structure.hpp"

namespace mr::mime {

std::string structure_blob(std::string_view message) {
    return serialize(parse_message(message));
}

}  // namespace mr::mime
