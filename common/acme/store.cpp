// See store.hpp.
#include "common/acme/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace mr::acme {

Files files(const std::filesystem::path& data_dir) {
    auto dir = data_dir / "acme";
    return {dir, dir / "account.key", dir / "cert.pem", dir / "key.pem", dir / "challenges"};
}

TlsFiles served_tls_files(const config::Config& cfg) {
    if (cfg.acme.enabled) {
        auto f = files(cfg.server.data_dir);
        std::error_code ec;
        if (std::filesystem::exists(f.cert, ec) && std::filesystem::exists(f.key, ec)) return {f.cert, f.key};
    }
    return {cfg.tls.cert, cfg.tls.key};
}

Result<void> write_private(const std::filesystem::path& path, std::string_view content) {
    auto tmp = path;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Error::system(errno, "cannot create " + tmp.string());
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            return Error::system(e, "cannot write " + tmp.string());
        }
        done += static_cast<std::size_t>(n);
    }
    ::fchmod(fd, 0600);
    if (::fsync(fd) != 0 || ::close(fd) != 0) return Error::system(errno, "cannot write " + tmp.string());
    if (::rename(tmp.c_str(), path.c_str()) != 0) return Error::system(errno, "cannot rename to " + path.string());
    return {};
}

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::refused("cannot read " + path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::filesystem::path alpn_challenge_file(const Files& f, std::string_view name) {
    return f.challenges / (std::string(name) + ".alpn.pem");
}

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool valid_token(std::string_view token) {
    if (token.empty() || token.size() > 256) return false;
    for (char c : token) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace mr::acme
