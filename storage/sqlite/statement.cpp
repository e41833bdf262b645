// Statement: one prepared statement, finalized on destruction (see db.hpp).
#include <sqlite3.h>

#include <string>
#include <utility>

#include "storage/sqlite/db.hpp"

namespace mr::storage::sqlite {

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      cached_in_use_(std::exchange(other.cached_in_use_, nullptr)),
      bind_error_(other.bind_error_),
      constraint_failed_(other.constraint_failed_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        release();
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
        cached_in_use_ = std::exchange(other.cached_in_use_, nullptr);
        bind_error_ = other.bind_error_;
        constraint_failed_ = other.constraint_failed_;
    }
    return *this;
}

Statement::~Statement() { release(); }

void Statement::release() {
    if (!stmt_) return;
    if (cached_in_use_) {
        // Reset ends any read the statement still holds, as finalize would.
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        *cached_in_use_ = false;
        cached_in_use_ = nullptr;
    } else {
        sqlite3_finalize(stmt_);
    }
    stmt_ = nullptr;
}

void Statement::note_bind(int rc) {
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Statement& Statement::bind(int index, std::int64_t value) {
    note_bind(sqlite3_bind_int64(stmt_, index, value));
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // An empty string_view may have a null data(): SQLite would bind NULL, not ''.
    note_bind(sqlite3_bind_text64(stmt_, index, text.data() ? text.data() : "", text.size(),
                                  SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
    static const char empty = 0;
    note_bind(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(),
                                  bytes.size(), SQLITE_TRANSIENT));
    return *this;
}

Statement& Statement::bind_null(int index) {
    note_bind(sqlite3_bind_null(stmt_, index));
    return *this;
}

Result<bool> Statement::step() {
    constraint_failed_ = false;
    if (bind_error_ != 0) {
        return Error::internal(std::string("sqlite bind: ") + sqlite3_errstr(bind_error_));
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    constraint_failed_ = (rc & 0xff) == SQLITE_CONSTRAINT;
    return Error::internal(std::string("sqlite step: ") + sqlite3_errmsg(db_));
}

Result<void> Statement::run() {
    auto r = step();
    if (!r) return r.error();
    return {};
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = 0;
}

std::int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
    const auto* p = sqlite3_column_text(stmt_, index);
    const int n = sqlite3_column_bytes(stmt_, index);
    if (p == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string Statement::column_blob(int index) const {
    const void* p = sqlite3_column_blob(stmt_, index);
    const int n = sqlite3_column_bytes(stmt_, index);
    if (p == nullptr) return {};
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::size_t Statement::column_bytes(int index) const {
    return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index));
}

bool Statement::column_is_null(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

}  // namespace mr::storage::sqlite
