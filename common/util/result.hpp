// Result<T>: a value or an Error, for every fallible call on the data path.
//
// C++20 has no std::expected, so this is the small subset the project uses.
// Error kinds follow the three-way split of protocol errors: the dispatcher of
// each daemon is the only place that turns a kind into a wire reply
//   Syntax   -> BAD / 500 / -ERR        (the peer sent something malformed)
//   Refused  -> NO / 5xx / -ERR         (well-formed but not allowed / not found)
//   Internal -> NO [SERVERBUG] / 451    (our fault: I/O, database; logged)
#pragma once

#include <cassert>
#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace mr {

enum class ErrorKind { Syntax, Refused, Internal };

// What exactly failed, where a protocol answers differently for it. The store sets it where
// the failure happens; each protocol maps codes to its replies in one function (imapd:
// Session::store_error), never by reading `message`, which is for logs and humans.
enum class ErrorCode {
    Unspecified,
    NoSuchMailbox,     // Refused
    MailboxExists,     // Refused
    InboxProtected,    // Refused: INBOX cannot be deleted or renamed away like that
    HasChildren,       // Refused: a mailbox with inferiors cannot be deleted
    NoSuchMessage,     // Refused: no such UID, or its file vanished
    Limit,             // Refused: a fixed limit of the store (UID space, name length)
    NoSpace,           // Internal: the disk or the filesystem quota is full (ENOSPC, EDQUOT)
    PermissionDenied,  // Internal: the store's files are not ours to read or write (EACCES, EPERM)
};

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string message;
    ErrorCode code = ErrorCode::Unspecified;

    static Error syntax(std::string m) { return {ErrorKind::Syntax, std::move(m)}; }
    static Error refused(std::string m) { return {ErrorKind::Refused, std::move(m)}; }
    static Error refused(ErrorCode c, std::string m) { return {ErrorKind::Refused, std::move(m), c}; }
    static Error internal(std::string m) { return {ErrorKind::Internal, std::move(m)}; }
    // An Internal error from a failed system call: the errno says which code, if any.
    static Error system(int errno_value, std::string m) {
        ErrorCode c = ErrorCode::Unspecified;
        if (errno_value == ENOSPC || errno_value == EDQUOT) c = ErrorCode::NoSpace;
        if (errno_value == EACCES || errno_value == EPERM) c = ErrorCode::PermissionDenied;
        return {ErrorKind::Internal, std::move(m), c};
    }
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    // Rvalue access returns by value, so `for (auto& m : *store.messages(...))` owns
    // what it iterates instead of dangling into a destroyed temporary Result.
    T value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { assert(!ok_); return error_; }

private:
    Error error_;
    bool ok_ = true;
};

}  // namespace mr
