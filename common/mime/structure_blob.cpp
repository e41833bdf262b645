#include "common/mime/structure_blob.hpp"

namespace mr::mime {

// Placeholder until the MIME parser lands; storage only stores the blob.
std::string structure_blob(std::string_view) { return {}; }

}  // namespace mr::mime
