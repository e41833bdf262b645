// RFC 4314 ACL commands (GETACL, SETACL, DELETEACL, LISTRIGHTS, MYRIGHTS) and the rights
// check every command on another account's mailbox goes through (mailbox_job). Grants
// live in directory.db (storage/directory_acl.cpp); the owner of a mailbox always has
// every right, and may give rights on it to users of the same domain.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/text/ascii.hpp"
#include "imapd/proto/mailbox_name.hpp"
#include "imapd/render/imap_string.hpp"
#include "imapd/session/session.hpp"
#include "storage/directory.hpp"
#include "storage/mailbox_store.hpp"

namespace mr::imapd::session {

namespace {

using storage::MailboxStore;
using text::AclRights;

bool has_all(AclRights rights, std::string_view needed) {
    for (char c : needed) {
        if (!rights.has(c)) return false;
    }
    return true;
}

// An untagged ACL response line's start: "* WORD mailbox". The mailbox is the client's
// own spelling of it, not a canonical one: RFC 4314 §3.6-3.8 name "the mailbox" of the
// command and ask for no canonical form, clients match these responses to their
// commands by that string (as the RFC's MYRIGHTS INBOX example pipelines), and it is
// in the session's name form already (mailbox_arg decoded it in that form), so RFC 6855
// §3 holds: UTF-8 comes back quoted only to a client that enabled it (append_astring
// sends any other 8-bit name as a literal, as the client sent it).

std::string response_start(std::string_view word, std::string_view wire_mailbox) {
    std::string out = "* ";
    out += word;
    out += ' ';
    append_astring(out, wire_mailbox);
    return out;
}

}  // namespace

Result<MailboxRef> Session::mailbox_ref(std::string_view wire) const {
    auto name = mailbox_arg(wire);
    if (!name) return name.error();
    return resolve_mailbox(name.value(), user_);
}

std::optional<StoreResume> Session::refuse_without(const std::string& tag, Accounts& accounts, const MailboxRef& ref,
                                                   std::string_view needed, AclRights& rights) {
    if (!ref.shared()) {
        rights = AclRights::all();
        return std::nullopt;
    }
    Result<AclRights> got = AclRights();
    auto read = accounts.directory([&](storage::Directory& d) -> Result<void> {
        got = d.rights_on(user_, ref.owner, ref.name);
        if (!got) return got.error();
        return {};
    });
    if (!read) return StoreResume([this, tag, e = read.error()] { return store_error(tag, e); });
    rights = got.value();
    if (has_all(rights, needed) && !rights.empty()) return std::nullopt;
    // RFC 4314 §4: a mailbox the user may not even look up does not exist for them.
    const bool visible = rights.has('l') || rights.has('r');
    return StoreResume([this, tag, visible] {
        return visible ? tagged(tag, "NO", "[NOPERM] Permission denied")
                       : tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    });
}

Actions Session::mailbox_job(const std::string& tag, const MailboxRef& ref, std::string_view needed, RightsWork work) {
    if (!ref.shared()) {
        return async({StoreJob{[work = std::move(work)](MailboxStore& s) { return work(s, AclRights::all(), s); }}});
    }
    return async({AccountsJob{[this, tag, ref, needed = std::string(needed), work = std::move(work)](Accounts& a) {
                                  AclRights rights;
                                  if (auto no = refuse_without(tag, a, ref, needed, rights)) return *no;
                                  auto store = a.store(ref.owner);
                                  if (!store) return StoreResume([this, tag, e = store.error()] { return store_error(tag, e); });
                                  auto own = a.store("");
                                  if (!own) return StoreResume([this, tag, e = own.error()] { return store_error(tag, e); });
                                  return work(*store.value(), rights, *own.value());
                              },
                              ref.owner}});
}

Result<std::int64_t> Session::quota_of(Accounts& a, const std::string& owner) {
    Result<std::int64_t> quota = std::int64_t{0};
    auto read = a.directory([&](storage::Directory& d) -> Result<void> {
        auto user = d.find_user(owner);
        if (!user) return user.error();
        quota = user.value() ? user.value()->quota_bytes : 0;
        return {};
    });
    if (!read) return read.error();
    return quota;
}

StoreResume Session::fail_later(const std::string& tag, const Error& e) {
    return StoreResume([this, tag, e] { return store_error(tag, e); });
}

std::optional<StoreResume> Session::acl_target(const std::string& tag, Accounts& a, const MailboxRef& ref,
                                               std::string_view needed, AclTarget& out) {
    if (auto no = refuse_without(tag, a, ref, needed, out.rights)) return no;
    out.owner = ref.shared() ? ref.owner : text::to_lower(user_);
    auto store = a.store(ref.owner);
    if (!store) return fail_later(tag, store.error());
    if (auto box = store.value()->mailbox(ref.name); !box) return fail_later(tag, box.error());
    return std::nullopt;
}

Actions Session::cmd_myrights(const std::string& tag, const MyRightsCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    return async({AccountsJob{[this, tag, c, ref = ref.value()](Accounts& a) -> StoreResume {
                                  AclTarget t;
                                  if (auto no = acl_target(tag, a, ref, "", t)) return *no;
                                  return StoreResume([this, tag, c, rights = t.rights] {
                                      Actions acts{{Send{response_start("MYRIGHTS", c.mailbox) + " " + rights.to_string() + "\r\n"}}};
                                      for (auto& x : tagged(tag, "OK", "MYRIGHTS completed")) acts.push_back(std::move(x));
                                      return acts;
                                  });
                              },
                              ref->owner}});
}

Actions Session::cmd_getacl(const std::string& tag, const GetAclCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    return async({AccountsJob{[this, tag, c, ref = ref.value()](Accounts& a) -> StoreResume {
                                  AclTarget t;
                                  if (auto no = acl_target(tag, a, ref, "a", t)) return *no;
                                  // Per grantee the mailbox's own grant, else the owner-wide one.
                                  std::vector<std::pair<std::string, AclRights>> acl{{t.owner, AclRights::all()}};
                                  auto read = a.directory([&](storage::Directory& d) -> Result<void> {
                                      auto grants = d.grants_of(t.owner);
                                      if (!grants) return grants.error();
                                      for (const auto& g : grants.value()) {
                                          if (!g.mailbox.empty() && g.mailbox != ref.name) continue;
                                          auto it = std::find_if(acl.begin(), acl.end(), [&](const auto& e) { return e.first == g.grantee; });
                                          if (it == acl.end()) acl.emplace_back(g.grantee, g.rights);
                                          else if (!g.mailbox.empty()) it->second = g.rights;  // '' sorts first
                                      }
                                      return {};
                                  });
                                  if (!read) return fail_later(tag, read.error());
                                  std::string out = response_start("ACL", c.mailbox);
                                  for (const auto& [who, rights] : acl) {
                                      out += ' ';
                                      append_astring(out, who);
                                      out += ' ';
                                      append_astring(out, rights.to_string());
                                  }
                                  out += "\r\n";
                                  return StoreResume([this, tag, out = std::move(out)] {
                                      Actions acts{{Send{out}}};
                                      for (auto& x : tagged(tag, "OK", "GETACL completed")) acts.push_back(std::move(x));
                                      return acts;
                                  });
                              },
                              ref->owner}});
}

namespace {

// A SETACL/DELETEACL identifier the directory can hold: a user address, lower-cased. The
// RFC 4314 §3 special identifiers ("anyone", "authenticated") and negative rights ("-fred")
// are not offered: sharing is between named users of one domain.
std::optional<std::string> user_identifier(std::string_view id) {
    if (id.find('@') == std::string_view::npos || id.front() == '-') return std::nullopt;
    return text::to_lower(id);
}

}  // namespace

Actions Session::cmd_setacl(const std::string& tag, const SetAclCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    auto who = user_identifier(c.identifier);
    if (!who) return tagged(tag, "NO", "[CANNOT] Rights can only be given to users, by their address");
    return async({AccountsJob{[this, tag, change = c.change, who = *who, ref = ref.value()](Accounts& a) -> StoreResume {
                                  AclTarget t;
                                  if (auto no = acl_target(tag, a, ref, "a", t)) return *no;
                                  std::string refusal;
                                  auto done = a.directory([&](storage::Directory& d) -> Result<void> {
                                      if (who == t.owner) {
                                          refusal = "[CANNOT] The owner always has every right";
                                          return {};
                                      }
                                      auto found = d.find_user(who);
                                      if (!found) return found.error();
                                      if (!found.value()) {
                                          refusal = "[CANNOT] No such user";
                                          return {};
                                      }
                                      if (found.value()->domain != t.owner.substr(t.owner.rfind('@') + 1)) {
                                          refusal = "[CANNOT] Mailboxes can only be shared within the domain";
                                          return {};
                                      }
                                      auto current = d.rights_on(who, t.owner, ref.name);
                                      if (!current) return current.error();
                                      return d.set_grant(t.owner, ref.name, who, change.applied_to(current.value()));
                                  });
                                  if (!done) return fail_later(tag, done.error());
                                  return StoreResume([this, tag, refusal] {
                                      return refusal.empty() ? tagged(tag, "OK", "SETACL completed") : tagged(tag, "NO", refusal);
                                  });
                              },
                              ref->owner}});
}

Actions Session::cmd_deleteacl(const std::string& tag, const DeleteAclCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    auto who = user_identifier(c.identifier);
    if (!who) return tagged(tag, "NO", "[CANNOT] Rights can only be given to users, by their address");
    return async({AccountsJob{[this, tag, who = *who, ref = ref.value()](Accounts& a) -> StoreResume {
                                  AclTarget t;
                                  if (auto no = acl_target(tag, a, ref, "a", t)) return *no;
                                  if (who == t.owner)
                                      return StoreResume([this, tag] { return tagged(tag, "NO", "[CANNOT] The owner always has every right"); });
                                  auto done = a.directory([&](storage::Directory& d) { return d.set_grant(t.owner, ref.name, who, {}); });
                                  if (!done) return fail_later(tag, done.error());
                                  return StoreResume([this, tag] { return tagged(tag, "OK", "DELETEACL completed"); });
                              },
                              ref->owner}});
}

Actions Session::cmd_listrights(const std::string& tag, const ListRightsCmd& c) {
    auto ref = mailbox_ref(c.mailbox);
    if (!ref) return tagged(tag, "NO", "[NONEXISTENT] Mailbox does not exist");
    return async({AccountsJob{[this, tag, c, ref = ref.value()](Accounts& a) -> StoreResume {
                                  AclTarget t;
                                  if (auto no = acl_target(tag, a, ref, "a", t)) return *no;
                                  // RFC 4314 §3.7: the rights always granted, then each one that may be
                                  // granted on its own. The owner has them all, always.
                                  std::string out = response_start("LISTRIGHTS", c.mailbox) + " ";
                                  append_astring(out, c.identifier);
                                  if (text::to_lower(c.identifier) == t.owner) {
                                      out += " " + AclRights::all().to_string();
                                  } else {
                                      out += " \"\"";
                                      for (char r : AclRights::kAll) out += std::string(" ") + r;
                                  }
                                  out += "\r\n";
                                  return StoreResume([this, tag, out = std::move(out)] {
                                      Actions acts{{Send{out}}};
                                      for (auto& x : tagged(tag, "OK", "LISTRIGHTS completed")) acts.push_back(std::move(x));
                                      return acts;
                                  });
                              },
                              ref->owner}});
}

}  // namespace mr::imapd::session

namespace mr::imapd::session {

// COPY/MOVE between two accounts' stores (a shared mailbox and the user's own, or two
// shared ones): the messages are read from one store and appended to the other in one
// batch (flags, keywords and INTERNALDATE kept); MOVE then removes them from the source.
// Not atomic across the two stores: a failed removal leaves the copies (MOVE's promise
// becomes COPY's, never a loss).
Actions Session::copy_across(const std::string& tag, const CopyCmd& c, Selected& sel, const MailboxRef& dest) {
    auto targets = sel.resolve(c.set, c.uid);
    if (!targets) return bad(tag, targets.error().message);
    std::vector<std::uint32_t> uids;
    for (const auto& [seq, uid] : targets.value()) uids.push_back(uid);
    if (dest.shared()) in_progress_.changed_owner = dest.owner;
    const MailboxRef source{sel.owner, sel.mailbox};
    return async({AccountsJob{[this, tag, source, dest, uids, move = c.move](Accounts& a) -> StoreResume {
                                  text::AclRights rights;
                                  if (auto no = refuse_without(tag, a, dest, "i", rights)) return *no;
                                  auto from = a.store(source.owner);
                                  if (!from) return fail_later(tag, from.error());
                                  auto to = a.store(dest.owner);
                                  if (!to) return fail_later(tag, to.error());
                                  auto exists = to.value()->mailbox(dest.name);
                                  if (!exists) {
                                      if (exists.error().code == ErrorCode::NoSuchMailbox)
                                          return StoreResume([this, tag] { return tagged(tag, "NO", "[TRYCREATE] Mailbox does not exist"); });
                                      return fail_later(tag, exists.error());
                                  }
                                  auto records = from.value()->messages(source.name, uids);
                                  if (!records) return fail_later(tag, records.error());
                                  std::vector<std::string> bodies;
                                  std::vector<storage::AppendMessage> batch;
                                  bodies.reserve(records->size());
                                  std::int64_t bytes = 0;
                                  for (const auto& m : records.value()) {
                                      auto body = from.value()->read_message(source.name, m.uid);
                                      if (!body) return fail_later(tag, body.error());
                                      bytes += static_cast<std::int64_t>(body->size());
                                      bodies.push_back(std::move(body.value()));
                                  }
                                  for (std::size_t i = 0; i < bodies.size(); ++i) {
                                      const auto& m = records.value()[i];
                                      std::uint32_t flags = m.flags;
                                      if (!rights.has('s')) flags &= ~storage::kSeen;
                                      if (!rights.has('t')) flags &= ~storage::kDeleted;
                                      auto keywords = rights.has('w') ? m.keywords : std::vector<std::string>{};
                                      if (!rights.has('w')) flags &= storage::kSeen | storage::kDeleted;
                                      batch.push_back({dest.name, bodies[i], flags, std::move(keywords), m.internal_date, {}});
                                  }
                                  auto over = over_quota(*to.value(), quota_of(a, dest.shared() ? dest.owner : user_),
                                                         [&]() -> Result<std::int64_t> { return bytes; });
                                  if (!over) return fail_later(tag, over.error());
                                  const char* verb = move ? "MOVE" : "COPY";
                                  if (over.value()) return StoreResume([this, tag, verb] { return over_quota_reply(tag, verb); });
                                  Result<std::vector<storage::AppendResult>> added = std::vector<storage::AppendResult>{};
                                  if (!batch.empty()) added = to.value()->append_batch(batch);
                                  if (!added) return fail_later(tag, added.error());
                                  std::vector<std::uint32_t> moved;
                                  if (move && !records->empty()) {
                                      std::vector<std::uint32_t> done;
                                      for (const auto& m : records.value()) done.push_back(m.uid);
                                      auto removed = from.value()->remove(source.name, done);
                                      if (removed) moved = std::move(removed.value());
                                  }
                                  std::string code;
                                  if (!added->empty()) {
                                      std::vector<std::uint32_t> from_uids, to_uids;
                                      for (std::size_t i = 0; i < added->size(); ++i) {
                                          from_uids.push_back(records.value()[i].uid);
                                          to_uids.push_back(added.value()[i].uid);
                                      }
                                      std::string f, t;
                                      for (std::size_t i = 0; i < from_uids.size(); ++i) {
                                          f += (i ? "," : "") + std::to_string(from_uids[i]);
                                          t += (i ? "," : "") + std::to_string(to_uids[i]);
                                      }
                                      // RFC 4315 §3: COPYUID uidvalidity source-set dest-set, in order.
                                      code = "[COPYUID " + std::to_string(added->front().uidvalidity) + " " + f + " " + t + "] ";
                                  }
                                  return StoreResume([this, tag, code, moved, move, verb]() -> Actions {
                                      Actions acts;
                                      if (move) {
                                          std::string out;
                                          if (!code.empty()) out += "* OK " + code + "Moved\r\n";
                                          if (Selected* view = selected()) out += view->report_expunged(moved);
                                          acts.push_back({Send{out}});
                                          for (auto& x : tagged(tag, "OK", std::string(verb) + " completed")) acts.push_back(std::move(x));
                                          return acts;
                                      }
                                      return tagged(tag, "OK", code + verb + " completed");
                                  });
                              },
                              dest.owner}});
}

}  // namespace mr::imapd::session
