#include "mailroom/run_as.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "mailroom/cli_context.hpp"

namespace mr::cli {

Account account_of(const std::string& user) {
    const struct passwd* pw = getpwnam(user.c_str());
    return pw == nullptr ? Account{} : Account{pw->pw_uid, pw->pw_gid};
}

namespace {

// Forks; the child becomes `user`, runs `work` and writes its answer to `answer_fd`
// (when >= 0). Returns the child's success.
bool run_child(const std::string& user, const std::function<std::string()>& work, int answer_fd) {
    std::cout.flush();
    const pid_t pid = fork();
    if (pid < 0) throw CliError{std::string("fork: ") + std::strerror(errno)};
    if (pid == 0) {
        int code = 0;
        try {
            if (!user.empty() && user != "root") become_user(user);
            const std::string answer = work();
            for (std::size_t done = 0; answer_fd >= 0 && done < answer.size();) {
                const ssize_t n = ::write(answer_fd, answer.data() + done, answer.size() - done);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) break;
                done += static_cast<std::size_t>(n);
            }
        } catch (const CliError& e) {
            std::cerr << "mailroom: " << e.message << "\n";
            code = 1;
        }
        std::cout.flush();
        _exit(code);
    }
    if (answer_fd >= 0) ::close(answer_fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

bool as_run_user(const std::string& user, const std::function<void()>& work) {
    return run_child(
        user,
        [&] {
            work();
            return std::string();
        },
        -1);
}

std::optional<std::string> as_run_user_answer(const std::string& user, const std::function<std::string()>& work) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw CliError{std::string("pipe: ") + std::strerror(errno)};
    std::string answer;
    // The answer is short (an address): the pipe's buffer holds it until the child exits.
    const bool ok = run_child(user, work, fds[1]);
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    if (!ok) return std::nullopt;
    return answer;
}

}  // namespace mr::cli
