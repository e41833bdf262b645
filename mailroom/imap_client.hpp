// A blocking IMAP client connection for `mailroom import imap`: TCP, TLS (implicit or
// STARTTLS, certificate and host name verified), tagged commands, responses as values
// (common/imapc). Errors are CliError with the server's own words.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/imapc/response_reader.hpp"

namespace mr::cli {

enum class ImapTls { Implicit, StartTls, None };

struct ImapServer {
    std::string host;
    int port = 993;
    ImapTls tls = ImapTls::Implicit;
    std::string ca_file;  // extra trusted CAs beside the system store (a private CA)
};

class ImapClient {
public:
    explicit ImapClient(const ImapServer& server);
    ~ImapClient();
    ImapClient(const ImapClient&) = delete;
    ImapClient& operator=(const ImapClient&) = delete;

    // The untagged responses of one command; throws CliError on NO or BAD.
    std::vector<imapc::Response> command(std::string_view text);
    void login(std::string_view user, std::string_view password);

private:
    void start_tls(const ImapServer& server);
    void send(std::string_view bytes);
    imapc::Response read_response();

    int fd_ = -1;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    imapc::ResponseReader reader_;
    int next_tag_ = 1;
};

// An IMAP quoted string (RFC 3501 §4.3): the text with '"' and '\' escaped.
std::string imap_quoted(std::string_view text);

}  // namespace mr::cli
