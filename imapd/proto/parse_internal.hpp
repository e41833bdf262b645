// Shared by the parse_*.cpp files: each reads the arguments of its commands from an
// ArgCursor positioned right after the command name (and its SP, when it has
// arguments). Not part of the library's interface.
#pragma once

#include <string>
#include <vector>

#include "imapd/proto/arg_cursor.hpp"
#include "imapd/proto/command.hpp"

namespace mr::imapd::detail {

// flag-list = "(" [flag *(SP flag)] ")" (rfc3501.txt:4783).
Result<std::vector<std::string>> parse_flag_list(ArgCursor& in);
// flag (rfc3501.txt:4767): "\" atom or a keyword atom; system flags canonicalised.
Result<std::string> parse_flag(ArgCursor& in);
// sequence-set as an atom-like run (rfc3501.txt:5024).
Result<SequenceSet> parse_sequence_set(ArgCursor& in);
// mod-sequence-valzer: 0 to 2^63 - 1 (RFC 7162 §7, rfc7162.txt:2555). Where the grammar
// asks for a positive mod-sequence-value the caller decides what 0 means.
Result<std::uint64_t> parse_mod_sequence(ArgCursor& in);

Result<CommandArgs> parse_list(ArgCursor& in, bool lsub);
Result<CommandArgs> parse_status(ArgCursor& in);
Result<CommandArgs> parse_create(ArgCursor& in);
// APPEND: `message` is filled by the caller from the returned span.
Result<CommandArgs> parse_append(ArgCursor& in, std::vector<LiteralSpan>& messages);

// The small grammars (parse_command.cpp).
Result<CommandArgs> parse_authenticate(ArgCursor& in);
Result<CommandArgs> parse_login(ArgCursor& in);
Result<CommandArgs> parse_id(ArgCursor& in);
Result<CommandArgs> parse_enable(ArgCursor& in);
Result<CommandArgs> parse_select(ArgCursor& in, bool read_only);
Result<CommandArgs> parse_delete(ArgCursor& in);
Result<CommandArgs> parse_rename(ArgCursor& in);
Result<CommandArgs> parse_subscribe(ArgCursor& in, bool subscribe);
Result<CommandArgs> parse_copy(ArgCursor& in, bool uid, bool move);
Result<CommandArgs> parse_uid_expunge(ArgCursor& in);
// APPEND with its message moved out of `raw` (not copied).
Result<CommandArgs> parse_append_command(ArgCursor& in, RawCommand& raw);

Result<CommandArgs> parse_fetch(ArgCursor& in, bool uid);
// section-spec (rfc3501.txt:4975) alone, without brackets: an IMAP URL's ;SECTION=
// (RFC 5092 §11 enc-section).
Result<Section> parse_section_spec(std::string_view spec);

// "(" fetch-att *(SP fetch-att) ")" (rfc3501.txt:4748), the list FETCH takes, also in
// NOTIFY's MessageNew and SEARCH's RETURN (UPDATE (...)) (RFC 5465 §8).
Result<std::vector<FetchItem>> parse_fetch_att_list(ArgCursor& in);
Result<CommandArgs> parse_store(ArgCursor& in, bool uid);
Result<CommandArgs> parse_search(ArgCursor& in, bool uid);
// The parts SEARCH shares with SORT and THREAD (parse_search.cpp): "RETURN (...) SP" if
// it comes next (RFC 4731 §3.1; `out` stays empty without it), and 1*(SP search-key) as
// one Kind::And (the cursor just past the SP before the first key).
Result<void> parse_search_return(ArgCursor& in, std::optional<SearchReturn>& out);
Result<SearchKey> parse_search_keys(ArgCursor& in);
Result<CommandArgs> parse_sort(ArgCursor& in, bool uid);
Result<CommandArgs> parse_thread(ArgCursor& in, bool uid);

// CANCELUPDATE (RFC 5267 §4.3.5) and NOTIFY (RFC 5465 §8), parse_notify.cpp.
Result<CommandArgs> parse_cancelupdate(ArgCursor& in);
Result<CommandArgs> parse_notify(ArgCursor& in);

// RFC 9208 QUOTA and RFC 4978 COMPRESS (parse_quota.cpp).
Result<CommandArgs> parse_getquota(ArgCursor& in);
Result<CommandArgs> parse_getquotaroot(ArgCursor& in);
Result<CommandArgs> parse_setquota(ArgCursor& in);
Result<CommandArgs> parse_compress(ArgCursor& in);

// RFC 4314 ACL commands (parse_acl.cpp).
Result<CommandArgs> parse_getacl(ArgCursor& in);
Result<CommandArgs> parse_setacl(ArgCursor& in);
Result<CommandArgs> parse_deleteacl(ArgCursor& in);
Result<CommandArgs> parse_listrights(ArgCursor& in);
Result<CommandArgs> parse_myrights(ArgCursor& in);

}  // namespace mr::imapd::detail
