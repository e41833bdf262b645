// Pop3Handler: drives one pop3d::Session from one net::Connection and performs its actions.
//
// Invariants:
// - Actions run in order from one queue. An asynchronous action (password check, maildrop
//   load, message transfer, expunge, delay) pauses reading and the queue until its result
//   is handed back to the session; so the session never sees a line while it waits, and
//   pipelined commands (RFC 2449 PIPELINING) wait in the connection's buffer.
// - Pool jobs get their inputs by value plus shared_ptrs to the store / file they use and
//   are dropped on return if the connection has gone (Connection::alive()).
// - Password checks go to the process's PasswordChecker (common/net/password_checker.hpp);
//   one it refuses is answered at once as busy: a temporary failure, not a failed login.
// - A transfer reads one chunk per pool job and stops reading while the connection is not
//   writable, continuing from on_drain(): a big message never sits whole in memory.
// - The maildrop lock taken for OpenMaildrop is released when the session closes (Close
//   action, e.g. after QUIT's UPDATE) or at the latest when the handler dies.
// - At login (LoggedIn) the connection leaves its address's count of connections not
//   logged in (Connection::count_login) and its idle timeout becomes [pop3] idle_timeout_s;
//   before, the listener's login timeout applies.
// - \Seen for retrieved messages is stored with the QUIT update, or by a last pool job
//   when the session ends any other way; a crash may lose it (a flag, never mail). Both
//   borrow a store from the user's StorePool of this loop's registry, taken for the job only.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/net/connection.hpp"
#include "common/net/session_driver.hpp"
#include "pop3d/proto/session.hpp"
#include "pop3d/server/maildrop.hpp"
#include "storage/message_reader.hpp"

namespace mr::pop3d::server {

struct SharedState;
struct Transfer;

class Pop3Handler final : public net::ConnectionHandler, private net::SessionDriver<Pop3Handler, Action> {
public:
    Pop3Handler(std::shared_ptr<SharedState> shared, std::shared_ptr<storage::StorePoolRegistry> stores,
                net::Connection& conn, std::string listener,
                bool implicit_tls, unsigned loop_index = 0,
                std::chrono::milliseconds idle_timeout = std::chrono::minutes(10));
    ~Pop3Handler() override;

    void on_start(net::Connection& c) override;
    void on_line(net::Connection& c, std::string_view line, net::LineEnd end) override;
    void on_line_too_long(net::Connection& c) override;
    void on_tls_ready(net::Connection& c) override;
    void on_timeout(net::Connection& c) override;
    void on_drain(net::Connection& c) override;
    void on_closed(net::Connection& c) override;

private:
    friend class net::SessionDriver<Pop3Handler, Action>;
    void perform(Action& action);
    void after_run() {}
    void when_free() {}

    void open_maildrop(OpenMaildrop& o);
    void send_message(SendMessage& s);
    void expunge(Expunge& e);
    void read_chunk();
    void flush_seen();
    void release_maildrop();
    void write_chunk(storage::MessageChunk chunk);
    void message_sent(std::uint32_t uid, bool mark_seen);

    std::shared_ptr<SharedState> shared_;
    std::shared_ptr<storage::StorePoolRegistry> stores_;  // this loop's (pop3_server.hpp)
    net::Loop& loop_;  // outlives every handler; kept for the destructor's last job
    std::string listener_;
    std::chrono::milliseconds idle_timeout_;  // once logged in
    unsigned loop_index_;  // which of pop3d's event loops runs this session (for the log)
    Session session_;
    bool drain_then_continue_ = false;  // a fast-path RETR filled the output buffer
    std::string user_;  // logged-in (and locked) maildrop
    std::string locked_;
    std::filesystem::path user_dir_;
    std::vector<std::string> files_;         // file of message n is files_[n - 1]
    std::vector<std::uint32_t> seen_;        // retrieved, \Seen not yet stored
    std::shared_ptr<Transfer> transfer_;
};

}  // namespace mr::pop3d::server
