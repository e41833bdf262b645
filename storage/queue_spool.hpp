// QueueSpool: one message being received straight into the queue's msg/ directory, so that
// a large message never sits whole in smtpd's memory and is never copied once received.
//
// On disk: data_dir/queue/msg/.spool-<pid>-<id> while it is written, then msg/<id> once
// Queue::enqueue_batch commits it (the file the queue would have written itself).
//
// Invariants:
// - Nothing touches the file system before the first append(): constructing one is free,
//   so the caller may do it on an event loop and run every append on a worker thread.
// - One thread at a time: the appends of a spool and the enqueue_batch that commits it are
//   sequential (the caller waits for each before the next).
// - A spool that is never committed leaves nothing behind: the destructor unlinks the
//   file (refused message, RSET, hang-up). A crash leaves a ".spool-<pid>-*" file that no
//   queue row can name (rows name msg/<id>); sweep_dead_spools removes those of dead
//   writers, and Queue::sweep_orphans removes any stale file anyway.
// - commit() makes the data durable (fdatasync) before the file gets its final name, and
//   the final name is new (link(2), never replacing a file); the caller fsyncs msg/ and only
//   then commits the entry row: the order Queue's header requires (file before row).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/util/result.hpp"

namespace mr::storage {

class QueueSpool {
public:
    // `id` from Queue::new_id(): the message's queue id and final file name.
    QueueSpool(const std::filesystem::path& data_dir, std::string id);
    ~QueueSpool();
    QueueSpool(const QueueSpool&) = delete;
    QueueSpool& operator=(const QueueSpool&) = delete;

    // Appends bytes (creating the file on the first call).
    Result<void> append(std::string_view bytes);

    // Puts `bytes` in front of what was appended (a field computed from the whole message:
    // DKIM-Signature). Copies the file once into a new spool name and renames it over the
    // old one, so a crash leaves either file, both swept like any spool.
    Result<void> prepend(std::string_view bytes) { return replace_prefix(bytes, 0); }
    // The same, replacing the first `old_length` bytes (a header block rewritten:
    // Authentication-Results added, forged ones removed).
    Result<void> replace_prefix(std::string_view bytes, std::uint64_t old_length);

    const std::string& id() const { return id_; }
    std::uint64_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }

    // Queue::enqueue_batch only: fdatasync, then link to msg/<id> and drop the spool name.
    // After success the destructor leaves msg/<id> alone (the queue owns it).
    Result<void> commit();

private:
    Result<void> open();

    std::filesystem::path msg_dir_;
    std::string id_;
    std::filesystem::path path_;
    int fd_ = -1;
    bool created_ = false;
    bool committed_ = false;
    std::uint64_t size_ = 0;
};

// smtpd at start: removes msg/.spool-<pid>-* files whose writer process is gone (a crash
// mid-message). Files of a live process, the caller's own included, are kept. Returns how
// many were removed.
Result<std::size_t> sweep_dead_spools(const std::filesystem::path& data_dir);

}  // namespace mr::storage
