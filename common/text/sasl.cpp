#include "common/text/sasl.hpp"

#include <sodium.h>

#include "common/text/ascii.hpp"

namespace mr::text {
namespace {

// "Username:" and "Password:", the de-facto LOGIN prompts
// (draft-murchison-sasl-login); clients match on them.
constexpr std::string_view kLoginUserChallenge = "VXNlcm5hbWU6";
constexpr std::string_view kLoginPasswordChallenge = "UGFzc3dvcmQ6";

// Longest base64 text that can decode to max_decoded bytes (padded form).
constexpr std::size_t base64_len(std::size_t decoded) { return (decoded + 2) / 3 * 4; }

// Wipes a decoded client message on every return path.
class Wiper {
public:
    explicit Wiper(std::string& s) : s_(s) {}
    ~Wiper() { secure_wipe(s_); }
    Wiper(const Wiper&) = delete;
    Wiper& operator=(const Wiper&) = delete;

private:
    std::string& s_;
};

}  // namespace

void secure_wipe(std::string& secret) {
    // Zero the spare capacity too: earlier, longer contents may sit there.
    secret.resize(secret.capacity());
    if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
    secret.clear();
}

Result<std::string> base64_decode(std::string_view text, std::size_t max_decoded) {
    if (text.size() > base64_len(max_decoded)) return Error::syntax("base64 input too long");
    if (sodium_init() < 0) return Error::internal("sodium_init failed");
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t out_len = 0;
    const char* end = nullptr;
    // ignore = nullptr: any character outside the alphabet (spaces too) is
    // an error, as RFC 4954 requires (rfc4954.txt:240).
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &out_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size()) {
        secure_wipe(out);
        return Error::syntax("invalid base64");
    }
    out.resize(out_len);
    if (out.size() > max_decoded) {
        secure_wipe(out);
        return Error::syntax("decoded response too long");
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    if (sodium_init() < 0) return {};
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // drop the terminating NUL libsodium counts
    return out;
}

Result<SaslServer> SaslServer::create(std::string_view mechanism) {
    if (iequals(mechanism, "PLAIN")) return SaslServer(Mechanism::Plain);
    if (iequals(mechanism, "LOGIN")) return SaslServer(Mechanism::Login);
    return Error::refused("unsupported SASL mechanism");
}

SaslServer::SaslServer(SaslServer&& other) noexcept
    : mechanism_(other.mechanism_), state_(other.state_), login_user_(std::move(other.login_user_)) {
    secure_wipe(other.login_user_);
}

SaslServer& SaslServer::operator=(SaslServer&& other) noexcept {
    if (this != &other) {
        secure_wipe(login_user_);
        mechanism_ = other.mechanism_;
        state_ = other.state_;
        login_user_ = std::move(other.login_user_);
        secure_wipe(other.login_user_);
    }
    return *this;
}

SaslServer::~SaslServer() { secure_wipe(login_user_); }

SaslStep SaslServer::fail(std::string reason, bool is_abort) {
    state_ = State::Finished;
    secure_wipe(login_user_);
    return SaslFailed{std::move(reason), is_abort};
}

SaslStep SaslServer::start(std::optional<std::string_view> initial_response) {
    if (state_ != State::New) return fail("exchange already started");
    if (!initial_response) {
        if (mechanism_ == Mechanism::Plain) {
            // PLAIN is client-first: an empty challenge asks for the message
            // (RFC 4954 §4 "334 " with no text, rfc4954.txt:204).
            state_ = State::AwaitPlain;
            return SaslChallenge{""};
        }
        state_ = State::AwaitLoginUser;
        return SaslChallenge{std::string(kLoginUserChallenge)};
    }
    std::string decoded;
    if (*initial_response != "=") {
        auto r = base64_decode(*initial_response, kMaxSaslResponse);
        if (!r) return fail(r.error().message);
        decoded = std::move(*r);
    }
    Wiper wipe(decoded);
    // LOGIN clients (Outlook among them) may send the user name as initial
    // response; it then takes the place of the first answer.
    return mechanism_ == Mechanism::Plain ? on_plain(decoded) : on_login_user(decoded);
}

SaslStep SaslServer::step(std::string_view client_line) {
    if (state_ == State::New) return fail("exchange not started");
    if (state_ == State::Finished) return fail("exchange already finished");
    if (client_line == "*") return fail("authentication aborted by client", true);
    auto r = base64_decode(client_line, kMaxSaslResponse);
    if (!r) return fail(r.error().message);
    std::string decoded = std::move(*r);
    Wiper wipe(decoded);
    switch (state_) {
        case State::AwaitPlain: return on_plain(decoded);
        case State::AwaitLoginUser: return on_login_user(decoded);
        case State::AwaitLoginPassword: return on_login_password(decoded);
        default: return fail("unexpected state");
    }
}

// message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 §2, rfc4616.txt:122)
SaslStep SaslServer::on_plain(std::string& message) {
    const std::string_view m = message;
    const auto nul1 = m.find('\0');
    if (nul1 == std::string_view::npos) return fail("malformed PLAIN message");
    const auto nul2 = m.find('\0', nul1 + 1);
    if (nul2 == std::string_view::npos) return fail("malformed PLAIN message");
    // NUL MUST NOT appear inside a field (rfc4616.txt:142), so a third one is
    // an error rather than part of the password.
    if (m.find('\0', nul2 + 1) != std::string_view::npos) return fail("malformed PLAIN message");
    const auto authzid = m.substr(0, nul1);
    const auto authcid = m.substr(nul1 + 1, nul2 - nul1 - 1);
    const auto passwd = m.substr(nul2 + 1);
    // authcid and passwd are 1*SAFE, i.e. non-empty UTF-8 (rfc4616.txt:123-129).
    if (authcid.empty()) return fail("empty user name");
    if (passwd.empty()) return fail("empty password");
    if (!is_valid_utf8(m)) return fail("PLAIN message is not UTF-8");
    state_ = State::Finished;
    return SaslDone{std::string(authzid), std::string(authcid), std::string(passwd)};
}

SaslStep SaslServer::on_login_user(std::string& user) {
    if (user.empty()) return fail("empty user name");
    if (user.find('\0') != std::string::npos || !is_valid_utf8(user))
        return fail("invalid user name");
    login_user_ = user;
    state_ = State::AwaitLoginPassword;
    return SaslChallenge{std::string(kLoginPasswordChallenge)};
}

SaslStep SaslServer::on_login_password(std::string& password) {
    if (password.empty()) return fail("empty password");
    if (password.find('\0') != std::string::npos) return fail("invalid password");
    state_ = State::Finished;
    SaslDone done{"", std::move(login_user_), std::string(password)};
    secure_wipe(login_user_);
    return done;
}

}  // namespace mr::text
