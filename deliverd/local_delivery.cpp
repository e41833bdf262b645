#include "deliverd/local_delivery.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliverd/mail_loop.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::deliverd {

StoreSlot::~StoreSlot() { reset(); }

void StoreSlot::reset() {
    store.reset();
    if (index_fd >= 0) ::close(index_fd);
    index_fd = -1;
}

namespace {

// The slot's store when it still refers to the user's current index, else a new one.
Result<storage::MailboxStore*> usable_store(const LocalBatch& batch, StoreSlot& slot) {
    const auto index_file = batch.user_dir / storage::index::kFileName;
    struct stat st {};
    if (slot.store && ::stat(index_file.c_str(), &st) == 0 && st.st_dev == slot.dev && st.st_ino == slot.ino) {
        return &*slot.store;
    }
    slot.reset();
    auto opened = storage::MailboxStore::open(batch.user_dir);
    if (!opened) return opened.error();
    const int fd = ::open(index_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        if (fd >= 0) ::close(fd);
        return Error::internal("index of " + batch.user + " vanished after opening it");
    }
    slot.store.emplace(std::move(*opened));
    slot.index_fd = fd;
    ++slot.opens;
    slot.dev = st.st_dev;
    slot.ino = st.st_ino;
    return &*slot.store;
}

}  // namespace

std::vector<LocalResult> deliver_local(const LocalBatch& batch) {
    StoreSlot slot;
    return deliver_local(batch, slot);
}

std::vector<LocalResult> deliver_local(const LocalBatch& batch, StoreSlot& slot) {
    std::vector<LocalResult> results(batch.items.size());
    auto fail_all = [&](const std::string& why) {
        slot.reset();  // an error may mean a broken connection: open afresh next time
        for (auto& r : results) {
            if (r.reply.empty() && r.outcome == LocalOutcome::TempFail) r.reply = why;
        }
        return results;
    };
    auto store = usable_store(batch, slot);
    if (!store) return fail_all("451 4.3.0 cannot open mailbox of " + batch.user + ": " + store.error().message);

    std::int64_t used = 0;
    if (batch.quota_bytes > 0) {
        auto size = (*store)->total_size();
        if (!size) return fail_all("451 4.3.0 cannot read mailbox size: " + size.error().message);
        used = *size;
    }

    // Which items go into the batch; the bytes must outlive append_batch.
    std::vector<std::string> bytes;
    std::vector<std::size_t> index;  // append position -> item
    bytes.reserve(batch.items.size());
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const auto& item = batch.items[i];
        if (auto loop = loop_reason(scan_trace_headers(*item.message), item.final_address)) {
            results[i] = {LocalOutcome::PermFail, "554 5.4.6 " + *loop, false};
            continue;
        }
        std::string full = trace_prefix(item.sender, item.final_address);
        full += *item.message;
        const auto size = static_cast<std::int64_t>(full.size());
        if (batch.quota_bytes > 0 && used + size > batch.quota_bytes) {
            results[i] = {LocalOutcome::TempFail,
                          "452 4.2.2 mailbox of <" + item.final_address + "> is full (quota " +
                              std::to_string(batch.quota_bytes) + " bytes)",
                          false};
            continue;
        }
        used += size;
        bytes.push_back(std::move(full));
        index.push_back(i);
    }
    if (index.empty()) return results;

    std::vector<storage::AppendMessage> appends;
    appends.reserve(index.size());
    for (std::size_t k = 0; k < index.size(); ++k) {
        const auto& item = batch.items[index[k]];
        storage::AppendMessage a;
        a.mailbox = "INBOX";
        a.bytes = bytes[k];
        a.delivery_key = item.queue_id + "/" + item.final_address;
        appends.push_back(std::move(a));
    }
    auto stored = (*store)->append_batch(appends);
    if (!stored) {
        slot.reset();
        for (auto i : index) {
            results[i] = {LocalOutcome::TempFail, "451 4.3.0 mailbox write failed: " + stored.error().message, false};
        }
        return results;
    }
    for (std::size_t k = 0; k < index.size(); ++k) {
        const bool dup = k < stored->size() && (*stored)[k].duplicate;
        results[index[k]] = {LocalOutcome::Delivered, "250 2.0.0 delivered to " + batch.user, dup};
    }
    return results;
}

}  // namespace mr::deliverd
