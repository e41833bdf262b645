#include "deliverd/local_delivery.hpp"
#include "storage/default_mailboxes.hpp"

#include <ctime>
#include <optional>

#include "common/log/log.hpp"
#include "common/text/ascii.hpp"
#include "common/util/quota.hpp"
#include "deliverd/mail_loop.hpp"
#include "deliverd/sieve_filter.hpp"
#include "deliverd/vacation.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::deliverd {

namespace {

// RFC 5230: a reply unless the rules or the once-per-period memory say no; logged either way.
void send_vacation(const LocalBatch& batch, const LocalItem& item, const sieve::VacationAction& v,
                   const sieve::MessageView& view) {
    if (!batch.send_mail) return;
    const VacationInput in{item.sender, item.final_address, batch.user};
    if (auto why = vacation_suppressed(view, in, v)) {
        log::info("vacation_skipped", {log::qid(item.queue_id), {"user", batch.user}, {"reason", *why}});
        return;
    }
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    auto due = vacation_due(batch.user_dir, vacation_handle(v), item.sender, v.period_seconds, now);
    if (!due) {
        log::warn("vacation_state_error", {log::qid(item.queue_id), {"user", batch.user}, {"error", due.error().message}});
        return;
    }
    if (!*due) {
        log::info("vacation_skipped", {log::qid(item.queue_id), {"user", batch.user}, {"reason", "already answered"}});
        return;
    }
    batch.send_mail({"vacation", "", item.sender, "", compose_vacation_reply(view, in, v, now)});
}

// The message as it goes on: marked as delivered to the user, so it cannot come back.
void send_redirects(const LocalBatch& batch, const LocalItem& item, const std::vector<std::string>& to,
                    std::string_view message) {
    if (!batch.send_mail) return;
    for (const auto& address : to) {
        batch.send_mail({"redirect", item.sender, address, item.final_address,
                         "Delivered-To: " + item.final_address + "\r\n" + std::string(message), item.queue_id});
    }
}

// A refusal reason on one line of printable ASCII: it becomes an SMTP-style reply.
std::string reply_text(std::string_view reason) {
    std::string out;
    for (char c : reason) {
        const auto u = static_cast<unsigned char>(c);
        out += u < 0x20 || u >= 0x7F ? ' ' : c;
    }
    return std::string(text::trim(out));
}

}  // namespace

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

    // The Sieve scripts (the domain's and the user's), read and compiled once per batch
    // (deliverd/sieve_filter.hpp).
    const auto scripts = load_scripts(batch.data_dir, batch.user_dir, batch.user);

    // Where each item goes; the bytes must outlive append_batch.
    std::vector<std::string> bytes;
    std::vector<std::size_t> index;  // kept item -> item
    std::vector<std::vector<FilterTarget>> targets;  // per kept item
    std::vector<std::vector<std::string>> redirects(batch.items.size());  // per item
    std::vector<std::optional<std::string>> edited(batch.items.size());  // per item: editheader's message
    bytes.reserve(batch.items.size());
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const auto& item = batch.items[i];
        if (auto loop = loop_reason(scan_trace_headers(*item.message), item.final_address)) {
            results[i] = {LocalOutcome::PermFail, "554 5.4.6 " + *loop, false};
            continue;
        }
        const std::string folder = item.folder.empty() ? "INBOX" : item.folder;
        std::vector<FilterTarget> where;
        if (!scripts.empty()) {
            FilterInput in{*item.message, item.sender, item.final_address, folder,
                           [store](std::string_view name) { return store->mailbox(name).ok(); }, batch.user,
                           item.queue_id};
            in.on_vacation = [&](const sieve::VacationAction& v, const sieve::MessageView& view) {
                send_vacation(batch, item, v, view);
            };
            auto filtered = run_filter(scripts, in);
            if (filtered.rejection) {
                results[i] = {LocalOutcome::PermFail,
                              "550 5.7.1 rejected by the Sieve script of <" + batch.user + ">: " +
                                  reply_text(*filtered.rejection),
                              false};
                continue;
            }
            where = std::move(filtered.targets);
            redirects[i] = std::move(filtered.redirects);
            edited[i] = std::move(filtered.edited_message);
        } else {
            where.push_back(FilterTarget{folder, 0, {}, !item.folder.empty()});
        }
        if (where.empty()) {  // discarded or sent on by the user's script
            results[i] = {LocalOutcome::Delivered,
                          std::string("250 2.0.0 ") + (redirects[i].empty() ? "discarded" : "redirected") +
                              " by the sieve script of " + batch.user,
                          false};
            send_redirects(batch, item, redirects[i], edited[i] ? *edited[i] : *item.message);
            continue;
        }
        std::string full = trace_prefix(item.sender, item.final_address);
        full += edited[i] ? *edited[i] : *item.message;
        const auto size = static_cast<std::int64_t>(full.size() * where.size());
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
        targets.push_back(std::move(where));
    }
    if (index.empty()) return results;

    // Folders other than INBOX exist before the batch appends to them. A quarantine folder
    // the user deleted is made again; a folder a script names with :create too, and if
    // that name cannot be a mailbox, the item goes to its implicit keep instead.
    auto ensure = [&](const std::string& name) -> Result<void> {
        auto found = store->mailbox(name);
        if (found) return {};
        if (found.error().code != ErrorCode::NoSuchMailbox) return found.error();
        auto made = store->create_mailbox(name, storage::default_special_use(name));
        if (!made) return made.error();
        return {};
    };
    for (std::size_t k = 0; k < index.size(); ++k) {
        const auto& item = batch.items[index[k]];
        std::optional<Error> unusable;
        for (const auto& t : targets[k]) {
            if (!t.create || t.mailbox == "INBOX") continue;
            auto ok = ensure(t.mailbox);
            if (ok) continue;
            if (ok.error().kind == ErrorKind::Internal || item.folder == t.mailbox) {
                (**loan).discard();
                return fail_all("451 4.3.0 cannot create folder " + t.mailbox + ": " + ok.error().message);
            }
            unusable = Error::refused(t.mailbox + ": " + ok.error().message);
            break;
        }
        if (!unusable) continue;
        log::warn("sieve_implicit_keep", {log::qid(item.queue_id), {"user", batch.user},
                                          {"reason", "cannot create " + unusable->message}});
        targets[k] = {FilterTarget{item.folder.empty() ? "INBOX" : item.folder, 0, {}, false}};
        if (!item.folder.empty()) {
            if (auto ok = ensure(item.folder); !ok) {
                (**loan).discard();
                return fail_all("451 4.3.0 cannot create folder " + item.folder + ": " + ok.error().message);
            }
        }
    }

    std::vector<storage::AppendMessage> appends;
    std::vector<std::size_t> first_append;  // kept item -> its first append
    appends.reserve(index.size());
    for (std::size_t k = 0; k < index.size(); ++k) {
        const auto& item = batch.items[index[k]];
        first_append.push_back(appends.size());
        for (std::size_t n = 0; n < targets[k].size(); ++n) {
            const auto& t = targets[k][n];
            storage::AppendMessage a;
            a.mailbox = t.mailbox;
            a.bytes = bytes[k];
            a.flags = t.flags;
            a.keywords = t.keywords;
            // A second copy (a script's fileinto :copy, say) needs its own key, or the
            // store would take it for a repeat of the first.
            a.delivery_key = item.queue_id + "/" + item.final_address;
            if (n > 0) *a.delivery_key += "/" + t.mailbox;
            appends.push_back(std::move(a));
        }
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
        const bool dup = first_append[k] < stored->size() && (*stored)[first_append[k]].duplicate;
        results[index[k]] = {LocalOutcome::Delivered, "250 2.0.0 delivered to " + batch.user, dup};
        // A duplicate was delivered by an earlier attempt, which sent its redirects.
        const std::size_t i = index[k];
        if (!dup) send_redirects(batch, batch.items[i], redirects[i], edited[i] ? *edited[i] : *batch.items[i].message);
    }
    return results;
}

}  // namespace mr::deliverd
