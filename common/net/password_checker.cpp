// See password_checker.hpp for the invariants.
#include "common/net/password_checker.hpp"

#include <iterator>
#include <utility>

#include "common/text/sasl.hpp"

namespace mr::net {

PasswordChecker::PasswordChecker(PasswordCheckLimits limits, Verify verify)
    : limits_(limits), verify_(std::move(verify)) {
    const unsigned n = limits_.threads == 0 ? 1 : limits_.threads;
    workers_.reserve(n);
    for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
}

PasswordChecker::~PasswordChecker() { stop(); }

bool PasswordChecker::submit(Loop& loop, std::weak_ptr<void> alive, const std::string& client, std::string user,
                             std::string password, Done done) {
    {
        std::lock_guard lock(mutex_);
        auto it = clients_.find(client);
        const std::size_t mine = it == clients_.end() ? 0 : it->second.waiting.size() + it->second.running;
        if (!stopping_ && waiting_ < limits_.max_queued && mine < limits_.max_per_client) {
            Client& c = clients_[client];
            if (c.waiting.empty()) in_turn_.push_back(client);
            c.waiting.push_back(Job{&loop, std::move(alive), client, std::move(user), std::move(password),
                                    std::move(done)});
            ++waiting_;
            ready_.notify_one();
            return true;
        }
    }
    text::secure_wipe(password);
    return false;
}

PasswordChecker::Job PasswordChecker::take_next() {
    std::string client = std::move(in_turn_.front());
    in_turn_.pop_front();
    Client& c = clients_[client];
    Job job = std::move(c.waiting.front());
    c.waiting.pop_front();
    --waiting_;
    ++c.running;
    // Its next check waits for every other client's turn.
    if (!c.waiting.empty()) in_turn_.push_back(std::move(client));
    return job;
}

void PasswordChecker::finished(const std::string& client) {
    auto it = clients_.find(client);
    if (it == clients_.end()) return;
    if (it->second.running > 0) --it->second.running;
    if (it->second.running == 0 && it->second.waiting.empty()) clients_.erase(it);
}

void PasswordChecker::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ready_.wait(lock, [this] { return stopping_ || waiting_ > 0; });
        if (stopping_) return;
        Job job = take_next();
        if (job.alive.expired()) {
            // Nobody is waiting for the answer: hashing now would only burn a core.
            ++dropped_;
            finished(job.client);
            text::secure_wipe(job.password);
            continue;
        }
        lock.unlock();
        Result<bool> verdict = verify_(job.user, job.password);
        text::secure_wipe(job.password);
        lock.lock();
        // Freed before the answer is posted: a client that tries again as soon as it has
        // its answer finds its slot free.
        finished(job.client);
        lock.unlock();
        job.loop->post([alive = std::move(job.alive), done = std::move(job.done), v = std::move(verdict)]() mutable {
            if (!alive.expired()) done(std::move(v));
        });
        lock.lock();
    }
}

void PasswordChecker::stop() {
    std::vector<Job> discarded;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto it = clients_.begin(); it != clients_.end();) {
            for (Job& j : it->second.waiting) discarded.push_back(std::move(j));
            it->second.waiting.clear();
            it = it->second.running == 0 ? clients_.erase(it) : std::next(it);
        }
        in_turn_.clear();
        waiting_ = 0;
    }
    ready_.notify_all();
    for (auto& w : workers_) {
        if (w.joinable()) w.join();
    }
    for (Job& j : discarded) text::secure_wipe(j.password);
}

std::size_t PasswordChecker::queued() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

unsigned PasswordChecker::in_flight(const std::string& client) const {
    std::lock_guard lock(mutex_);
    auto it = clients_.find(client);
    return it == clients_.end() ? 0 : static_cast<unsigned>(it->second.waiting.size() + it->second.running);
}

std::size_t PasswordChecker::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace mr::net
