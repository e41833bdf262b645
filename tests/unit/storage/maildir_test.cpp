#include <doctest/doctest.h>

#include <array>

#include "storage/atomic_file.hpp"
#include "storage/maildir.hpp"
#include "tests/unit/storage/temp_dir.hpp"

using namespace mr::storage;
using mr::storage::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("maildir: flag letters are the standard ones, sorted") {
    CHECK(flags_to_maildir_letters(0) == "");
    CHECK(flags_to_maildir_letters(kSeen | kFlagged | kDraft) == "DFS");
    CHECK(flags_to_maildir_letters(kAllFlags) == "DFRST");
    CHECK(maildir_letters_to_flags("STa") == (kSeen | kDeleted));  // Dovecot keyword letters ignored
    CHECK(maildir_letters_to_flags("R") == kAnswered);
}

TEST_CASE("maildir: IMAP names map to Maildir++ folder directories and back") {
    struct Row {
        const char* imap;
        const char* dir;
    };
    const Row rows[] = {
        {"INBOX", ""},                    // the root itself
        {"Sent", ".Sent"},
        {"Archive/2024", ".Archive.2024"},  // '/' is the '.' separator on disk
        {"a.b", ".a%2Eb"},                // a literal '.' must not become a level
        {"100%", ".100%25"},              // and '%' must round-trip
        {"INBOX/sub", ".INBOX.sub"},
    };
    for (const auto& row : rows) {
        CHECK(folder_dir_name(row.imap) == row.dir);
        if (std::string_view(row.dir).empty()) continue;
        auto back = imap_name_from_folder_dir(row.dir);
        REQUIRE(back.has_value());
        CHECK(*back == row.imap);
    }
    CHECK(*normalize_mailbox_name("inbox") == "INBOX");
    CHECK(*normalize_mailbox_name("Inbox/Sub") == "INBOX/Sub");
    CHECK(*normalize_mailbox_name("Inboxes") == "Inboxes");
    CHECK_FALSE(normalize_mailbox_name("").ok());
    CHECK_FALSE(normalize_mailbox_name("a//b").ok());
    CHECK_FALSE(normalize_mailbox_name("/a").ok());
    CHECK_FALSE(normalize_mailbox_name("a\nb").ok());
    CHECK_FALSE(imap_name_from_folder_dir("cur").has_value());
    CHECK_FALSE(imap_name_from_folder_dir("..").has_value());
    CHECK_FALSE(imap_name_from_folder_dir(".a%41").has_value());
    CHECK_FALSE(imap_name_from_folder_dir(".a..b").has_value());
}

TEST_CASE("maildir: unique names carry the size and parse back") {
    const std::string a = new_unique_base(1234);
    const std::string b = new_unique_base(1234);
    CHECK(a != b);
    auto parsed = parse_maildir_file_name(a + ":2,FS");
    CHECK(parsed.base == a);
    CHECK(parsed.flags == (kFlagged | kSeen));
    REQUIRE(parsed.size.has_value());
    CHECK(*parsed.size == 1234);
    CHECK_FALSE(parse_maildir_file_name("1234.foreign").size.has_value());
}

TEST_CASE("maildir: deliver, flag rename, move, link, list") {
    TempDir dir;
    Maildir md(dir.path());
    REQUIRE(md.create_folder("INBOX").ok());
    REQUIRE(md.create_folder("Archive/2024").ok());
    CHECK(fs::exists(dir / ".Archive.2024" / "maildirfolder"));
    CHECK(*md.list_folders() == std::vector<std::string>{"Archive/2024"});

    const std::array<NewMessage, 2> msgs = {NewMessage{"one\r\n", 0, 1000000000},
                                            NewMessage{"two\r\n", kSeen, 1000000001}};
    auto files = md.deliver("INBOX", msgs);
    REQUIRE(files.ok());
    REQUIRE(files->size() == 2);
    CHECK(files->at(0).rfind("new/", 0) == 0);      // no flags: new/
    CHECK(files->at(1).rfind("cur/", 0) == 0);      // flags: cur/ with ":2,S"
    CHECK(files->at(1).substr(files->at(1).size() - 4) == ":2,S");
    CHECK(fs::is_empty(dir / "tmp"));

    auto renamed = md.set_flags("INBOX", files->at(0), kSeen | kAnswered);
    REQUIRE(renamed.ok());
    CHECK(renamed->rfind("cur/", 0) == 0);
    CHECK(renamed->substr(renamed->size() - 5) == ":2,RS");
    // A stale name still finds the file by its base.
    auto located = md.locate("INBOX", files->at(0));
    REQUIRE(located.ok());
    CHECK(located->filename().string() == fs::path(*renamed).filename().string());

    auto moved = md.move_to("INBOX", *renamed, "Archive/2024", kSeen);
    REQUIRE(moved.ok());
    CHECK(*read_file(dir / ".Archive.2024" / *moved) == "one\r\n");
    auto linked = md.link_to("INBOX", files->at(1), "Archive/2024", kSeen | kFlagged);
    REQUIRE(linked.ok());
    CHECK(*read_file(dir / ".Archive.2024" / *linked) == "two\r\n");

    auto inbox = md.list("INBOX");
    REQUIRE(inbox.ok());
    CHECK(inbox->size() == 1);
    auto archive = md.list("Archive/2024");
    REQUIRE(archive.ok());
    CHECK(archive->size() == 2);
    CHECK_FALSE(md.locate("INBOX", "cur/does-not-exist:2,").ok());
}
