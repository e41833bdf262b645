#include <doctest/doctest.h>

#include <cerrno>

#include "common/util/result.hpp"

using mr::Error;
using mr::ErrorCode;
using mr::ErrorKind;

TEST_CASE("errors from system calls carry the code a protocol answers differently") {
    CHECK(Error::system(ENOSPC, "write").code == ErrorCode::NoSpace);
    CHECK(Error::system(EDQUOT, "write").code == ErrorCode::NoSpace);
    CHECK(Error::system(EACCES, "open").code == ErrorCode::PermissionDenied);
    CHECK(Error::system(EPERM, "link").code == ErrorCode::PermissionDenied);
    const Error io = Error::system(EIO, "read x: Input/output error");
    CHECK(io.code == ErrorCode::Unspecified);
    CHECK(io.kind == ErrorKind::Internal);
    CHECK(io.message == "read x: Input/output error");
}

TEST_CASE("a refusal keeps its code; the plain factories leave it unspecified") {
    CHECK(Error::refused(ErrorCode::NoSuchMailbox, "no such mailbox: a").code == ErrorCode::NoSuchMailbox);
    CHECK(Error::refused("no such mailbox: a").code == ErrorCode::Unspecified);
    CHECK(Error::internal("x").code == ErrorCode::Unspecified);
    CHECK(Error::syntax("x").kind == ErrorKind::Syntax);
}
