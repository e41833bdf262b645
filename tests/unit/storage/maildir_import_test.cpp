// Dovecot's metadata files as the import reads them (storage/maildir_import.hpp).
#include <doctest/doctest.h>

#include "storage/maildir_import.hpp"

using namespace mr::storage;

TEST_CASE("dovecot-uidlist version 3: UIDVALIDITY, UIDNEXT and each base name's UID") {
    FolderHints h;
    // As Dovecot 2.3 writes it: extension fields (W<vsize>, G<guid>) before " :".
    const char* text =
        "3 V1796618502 N6 Ga09ed3060639166b6f69000083ecc375\n"
        "1 :1796618502.M114532P26991.vm,S=498,W=514\n"
        "2 W514 :1796618502.M146853P26991.vm,S=498,W=514\n"
        "5 :1796618502.M160030P26991.vm,S=501,W=517:2,S\n"
        "garbage line\n"
        "0 :zero-is-no-uid\n";
    REQUIRE(parse_dovecot_uidlist(text, h));
    CHECK(h.uidvalidity == 1796618502u);
    CHECK(h.uidnext == 6u);
    CHECK(h.uids.size() == 3);
    CHECK(h.uids.at("1796618502.M114532P26991.vm,S=498,W=514") == 1u);
    CHECK(h.uids.at("1796618502.M146853P26991.vm,S=498,W=514") == 2u);
    CHECK(h.uids.at("1796618502.M160030P26991.vm,S=501,W=517") == 5u);  // flags cut off
}

TEST_CASE("dovecot-uidlist version 1 and bad headers") {
    FolderHints h;
    REQUIRE(parse_dovecot_uidlist("1 1100000000 4\r\n1 1100000000.a.host\r\n3 1100000001.b.host:2,RS\r\n", h));
    CHECK(h.uidvalidity == 1100000000u);
    CHECK(h.uidnext == 4u);
    CHECK(h.uids.at("1100000001.b.host") == 3u);

    FolderHints none;
    CHECK_FALSE(parse_dovecot_uidlist("", none));
    CHECK_FALSE(parse_dovecot_uidlist("2 V1 N2\n", none));
    CHECK_FALSE(parse_dovecot_uidlist("3 N2 G00\n", none));  // no UIDVALIDITY
    CHECK_FALSE(parse_dovecot_uidlist("1 x 2\n", none));
    CHECK(none.uids.empty());
}

TEST_CASE("POP3 UIDLs: the saved P field, else Dovecot's default format") {
    FolderHints h;
    REQUIRE(parse_dovecot_uidlist("3 V1796618502 N4\n"
                                  "1 :a.host\n"
                                  "2 P00000002old W514 :b.host\n"
                                  "3 P\x01" "bad :c.host\n",
                                  h));
    add_dovecot_pop3_uidls(h);
    CHECK(h.pop3_uidls.at("a.host") == "000000016b163906");  // %08Xu%08Xv, as Dovecot showed it
    CHECK(h.pop3_uidls.at("b.host") == "00000002old");
    CHECK(h.pop3_uidls.at("c.host") == "000000036b163906");  // not a valid UIDL (RFC 1939 §7)
}

TEST_CASE("dovecot-keywords: index to keyword, letters a..z only") {
    const auto k = parse_dovecot_keywords("0 $Important\n1 Junk\n26 too-far\nx bad\n3 $label3\n");
    CHECK(k.size() == 3);
    CHECK(k.at(0) == "$Important");
    CHECK(k.at(1) == "Junk");
    CHECK(k.at(3) == "$label3");
}
