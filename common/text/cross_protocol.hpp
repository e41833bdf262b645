// Recognising another protocol spoken to a mail port. A browser or proxy tricked into
// sending HTTP to an SMTP or POP3 port (a cross-protocol attack) would have each of its
// header lines answered as a command; the session hangs up at the first verb instead.
#pragma once

#include <string_view>

namespace mr::text {

// GET, POST, CONNECT, HEAD, PUT or OPTIONS, in any case.
bool is_http_verb(std::string_view keyword);

}  // namespace mr::text
