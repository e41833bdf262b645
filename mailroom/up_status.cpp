#include "mailroom/up_status.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mr::cli {

namespace fs = std::filesystem;

fs::path up_status_path(const fs::path& data_dir) { return data_dir / "run" / "up.status"; }

std::string format_up_status(const UpStatus& status) {
    std::ostringstream out;
    out << "up " << status.pid << " " << status.started << "\n";
    for (const auto& d : status.daemons) out << d.name << " " << d.pid << " " << d.started << " " << d.restarts << "\n";
    return out.str();
}

std::optional<UpStatus> parse_up_status(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    UpStatus s;
    if (!(in >> word >> s.pid >> s.started) || word != "up") return std::nullopt;
    DaemonStatus d;
    while (in >> d.name >> d.pid >> d.started >> d.restarts) s.daemons.push_back(d);
    return s;
}

void write_up_status(const fs::path& data_dir, const UpStatus& status) {
    const fs::path file = up_status_path(data_dir);
    const fs::path tmp = file.string() + ".tmp";
    struct stat dir {};
    if (::stat(file.parent_path().c_str(), &dir) != 0) return;  // no run/ yet: nothing to tell
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return;
    const std::string text = format_up_status(status);
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fchown(fd, dir.st_uid, dir.st_gid) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) ::unlink(tmp.c_str());
}

std::optional<UpStatus> read_up_status(const fs::path& data_dir) {
    std::ifstream in(up_status_path(data_dir));
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return parse_up_status(text.str());
}

}  // namespace mr::cli
