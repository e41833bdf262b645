// See password_checker.hpp for the invariants.
#include "common/net/password_checker.hpp"

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
        auto it = per_client_.find(client);
        const unsigned mine = it == per_client_.end() ? 0 : it->second;
        if (!stopping_ && queue_.size() < limits_.max_queued && mine < limits_.max_per_client) {
            ++per_client_[client];
            queue_.push_back(Job{&loop, std::move(alive), client, std::move(user), std::move(password),
                                 std::move(done)});
            ready_.notify_one();
            return true;
        }
    }
    text::secure_wipe(password);
    return false;
}

void PasswordChecker::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        if (job.alive.expired()) {
            // Nobody is waiting for the answer: hashing now would only burn a core.
            ++dropped_;
            release(job.client);
            text::secure_wipe(job.password);
            continue;
        }
        lock.unlock();
        Result<bool> verdict = verify_(job.user, job.password);
        text::secure_wipe(job.password);
        lock.lock();
        // Freed before the answer is posted: a client that tries again as soon as it has
        // its answer finds its slot free.
        release(job.client);
        lock.unlock();
        job.loop->post([alive = std::move(job.alive), done = std::move(job.done), v = std::move(verdict)]() mutable {
            if (!alive.expired()) done(std::move(v));
        });
        lock.lock();
    }
}

void PasswordChecker::release(const std::string& client) {
    auto it = per_client_.find(client);
    if (it == per_client_.end()) return;
    if (--it->second == 0) per_client_.erase(it);
}

void PasswordChecker::stop() {
    std::deque<Job> discarded;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        discarded.swap(queue_);
        for (const Job& j : discarded) release(j.client);
    }
    ready_.notify_all();
    for (auto& w : workers_) {
        if (w.joinable()) w.join();
    }
    for (Job& j : discarded) text::secure_wipe(j.password);
}

std::size_t PasswordChecker::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

unsigned PasswordChecker::in_flight(const std::string& client) const {
    std::lock_guard lock(mutex_);
    auto it = per_client_.find(client);
    return it == per_client_.end() ? 0 : it->second;
}

std::size_t PasswordChecker::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace mr::net
