#include "storage/uncommitted_files.hpp"

#include <charconv>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>

#include "storage/mailbox_store.hpp"

namespace mr::storage {

namespace fs = std::filesystem;

std::optional<long> maildir_name_pid(std::string_view name) {
    // The pid sits between the first 'P' after ".M<usecs>" and the next 'Q'.
    const auto m = name.find(".M");
    if (m == std::string_view::npos) return std::nullopt;
    const auto p = name.find('P', m + 2);
    if (p == std::string_view::npos) return std::nullopt;
    const auto q = name.find('Q', p + 1);
    if (q == std::string_view::npos || q == p + 1) return std::nullopt;
    long pid = 0;
    const char* first = name.data() + p + 1;
    const char* last = name.data() + q;
    auto [end, ec] = std::from_chars(first, last, pid);
    if (ec != std::errc() || end != last || pid <= 0) return std::nullopt;
    return pid;
}

Result<std::size_t> remove_uncommitted_files(MailboxStore& store, long writer_pid) {
    if (writer_pid <= 0) return std::size_t{0};
    auto known = store.messages("INBOX");
    if (!known) return known.error();
    std::set<std::string> indexed;
    for (const auto& m : *known) indexed.insert(m.file);
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(store.user_dir() / "new", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (maildir_name_pid(name) != writer_pid || indexed.count("new/" + name) != 0) continue;
        std::error_code rm;
        if (fs::remove(it->path(), rm)) ++removed;
    }
    if (ec) return Error::internal("cannot list " + (store.user_dir() / "new").string() + ": " + ec.message());
    return removed;
}

}  // namespace mr::storage
