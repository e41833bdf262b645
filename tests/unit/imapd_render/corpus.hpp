// Test helpers: load a message of tests/data/imap with the structure the index would
// cache for it (parsed, serialised and read back, exactly as storage does).
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "common/mime/message_parser.hpp"
#include "common/mime/message_structure.hpp"
#include "common/mime/structure_blob.hpp"

namespace mr::imapd::test {

struct StoredMessage {
    std::string bytes;
    mime::MessageStructure structure;
};

inline StoredMessage load(const std::string& name) {
    std::ifstream in(std::string(MR_IMAP_TEST_DATA) + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing corpus file " << name);
    std::ostringstream ss;
    ss << in.rdbuf();
    StoredMessage m;
    m.bytes = ss.str();
    auto structure = mime::deserialize(mime::structure_blob(m.bytes));
    REQUIRE(structure.ok());
    m.structure = std::move(*structure);
    return m;
}

}  // namespace mr::imapd::test
