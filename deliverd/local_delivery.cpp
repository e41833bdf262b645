#include "deliverd/local_delivery.hpp"
#include "storage/default_mailboxes.hpp"

#include "common/util/quota.hpp"
#include "deliverd/mail_loop.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::deliverd {

std::vector<LocalResult> deliver_local(const LocalBatch& batch) {
    storage::StorePool pool(batch.user_dir, 1);
    return deliver_local(batch, pool);
}

std::vector<LocalResult> deliver_local(const LocalBatch& batch, storage::StorePool& pool) {
    std::vector<LocalResult> results(batch.items.size());
    auto loan = pool.borrow();
    auto fail_all = [&](const std::string& why) {
        if (loan) (**loan).discard();  // an error may mean a broken connection: open afresh next time
        for (auto& r : results) {
            if (r.reply.empty() && r.outcome == LocalOutcome::TempFail) r.reply = why;
        }
        return results;
    };
    if (!loan) return fail_all("451 4.3.0 cannot open mailbox of " + batch.user + ": " + loan.error().message);
    storage::MailboxStore* store = &***loan;

    std::int64_t used = 0;
    if (batch.quota_bytes > 0) {
        auto size = store->total_size();
        if (!size) return fail_all("451 4.3.0 cannot read mailbox size: " + size.error().message);
        used = *size;
    }

    // Folders other than INBOX exist before the batch appends to them.
    for (const auto& item : batch.items) {
        if (item.folder.empty()) continue;
        auto found = store->mailbox(item.folder);
        if (found) continue;
        if (found.error().code != ErrorCode::NoSuchMailbox) {
            (**loan).discard();
            return fail_all("451 4.3.0 cannot open folder " + item.folder + ": " + found.error().message);
        }
        if (auto made = store->create_mailbox(item.folder, storage::default_special_use(item.folder)); !made) {
            (**loan).discard();
            return fail_all("451 4.3.0 cannot create folder " + item.folder + ": " + made.error().message);
        }
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
        if (util::exceeds_quota(batch.quota_bytes, used, size)) {
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
        a.mailbox = item.folder.empty() ? "INBOX" : item.folder;
        a.bytes = bytes[k];
        a.delivery_key = item.queue_id + "/" + item.final_address;
        appends.push_back(std::move(a));
    }
    auto stored = store->append_batch(appends);
    if (!stored) {
        (**loan).discard();
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
