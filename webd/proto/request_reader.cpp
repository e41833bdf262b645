#include "webd/proto/request_reader.hpp"

#include <climits>

#include "common/text/ascii.hpp"

namespace mr::webd::proto {

namespace {

RequestReader& self(http_parser* p) { return *static_cast<RequestReader*>(p->data); }

// A method we do not know is 501 (RFC 9110 §15.6.2); bytes that are no method at all (a
// TLS handshake on the plain port, a binary probe) are 400.
// Whether `head` may still grow into "TOKEN " (upper-case letters, no space yet).
bool method_may_continue(std::string_view head) {
    for (char c : head) {
        if (c < 'A' || c > 'Z') return false;
    }
    return true;
}

bool looks_like_method(std::string_view head) {
    const auto space = head.find(' ');
    if (space == 0 || space == std::string_view::npos) return false;
    for (char c : head.substr(0, space)) {
        if (c < 'A' || c > 'Z') return false;
    }
    return true;
}

}  // namespace

RequestReader::RequestReader(ReaderLimits limits) : limits_(limits) {
    http_parser_settings_init(&settings_);
    settings_.on_message_begin = on_message_begin;
    settings_.on_url = on_url;
    settings_.on_header_field = on_header_field;
    settings_.on_header_value = on_header_value;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_body = on_body;
    settings_.on_message_complete = on_message_complete;
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
}

std::size_t RequestReader::feed(std::string_view data) {
    if (state_ != State::Reading || data.empty()) return 0;
    started_ = true;
    if (head_.size() < kHeadKept) head_.append(data.substr(0, kHeadKept - head_.size()));
    if (method_refused_) {
        if (head_.size() >= kHeadKept || !method_may_continue(head_)) fail(looks_like_method(head_) ? 501 : 400);
        return data.size();
    }
    std::size_t used = http_parser_execute(&parser_, &settings_, data.data(), data.size());
    if (state_ == State::Complete) return used;
    if (state_ == State::Failed) return used;
    const auto err = HTTP_PARSER_ERRNO(&parser_);
    if (err != HPE_OK) {
        if (err == HPE_INVALID_METHOD) {
            if (head_.size() < kHeadKept && method_may_continue(head_)) {
                method_refused_ = true;  // decided when the token ends (feed, above)
                return data.size();
            }
            fail(looks_like_method(head_) ? 501 : 400);
        } else if (err == HPE_HEADER_OVERFLOW) {
            fail(431);
        } else {
            fail(400);
        }
    }
    return used;
}

void RequestReader::next() {
    request_ = Request{};
    url_.clear();
    field_.clear();
    value_.clear();
    in_value_ = false;
    header_bytes_ = 0;
    fields_ = 0;
    keep_alive_ = false;
    started_ = false;
    continue_ = false;
    head_.clear();
    method_refused_ = false;
    state_ = State::Reading;
    http_parser_pause(&parser_, 0);
}

int RequestReader::fail(int status) {
    if (state_ != State::Failed) error_status_ = status;
    state_ = State::Failed;
    return -1;
}

bool RequestReader::count_header_bytes(std::size_t len) {
    header_bytes_ += len;
    return header_bytes_ <= limits_.max_header_bytes;
}

void RequestReader::commit_header() {
    if (field_.empty()) return;
    auto name = text::to_lower(field_);
    auto [it, inserted] = request_.headers.emplace(name, value_);
    if (!inserted) it->second += ", " + value_;
    field_.clear();
    value_.clear();
}

int RequestReader::on_message_begin(http_parser* p) {
    self(p).started_ = true;
    return 0;
}

int RequestReader::on_url(http_parser* p, const char* at, std::size_t len) {
    auto& r = self(p);
    if (!r.count_header_bytes(len)) return r.fail(414);
    r.url_.append(at, len);
    return 0;
}

int RequestReader::on_header_field(http_parser* p, const char* at, std::size_t len) {
    auto& r = self(p);
    if (!r.count_header_bytes(len)) return r.fail(431);
    if (r.in_value_) {
        r.commit_header();
        r.in_value_ = false;
    }
    if (r.field_.empty() && ++r.fields_ > kMaxHeaderFields) return r.fail(431);
    r.field_.append(at, len);
    return 0;
}

int RequestReader::on_header_value(http_parser* p, const char* at, std::size_t len) {
    auto& r = self(p);
    if (!r.count_header_bytes(len)) return r.fail(431);
    r.in_value_ = true;
    r.value_.append(at, len);
    return 0;
}

// The target: origin-form only (RFC 9112 §3.2.1); an absolute-form one is a proxy request
// and no concern of ours.
bool RequestReader::finish_target() {
    http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(url_.data(), url_.size(), 0, &u) != 0) return false;
    if ((u.field_set & (1 << UF_SCHEMA)) || !(u.field_set & (1 << UF_PATH))) return false;
    auto part = [&](int f) {
        return std::string_view(url_).substr(u.field_data[f].off, u.field_data[f].len);
    };
    if (!percent_decode(part(UF_PATH), request_.path)) return false;
    if (u.field_set & (1 << UF_QUERY)) {
        std::string_view q = part(UF_QUERY);
        while (!q.empty()) {
            auto amp = q.find('&');
            std::string_view pair = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
            if (pair.empty()) continue;
            auto eq = pair.find('=');
            std::string name;
            std::string value;
            if (!percent_decode(pair.substr(0, eq), name)) return false;
            if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), value)) return false;
            request_.query.emplace_back(std::move(name), std::move(value));
        }
    }
    return true;
}

int RequestReader::on_headers_complete(http_parser* p) {
    auto& r = self(p);
    if (r.in_value_) r.commit_header();
    r.in_value_ = false;
    r.request_.method = http_method_str(static_cast<http_method>(p->method));
    if (!r.finish_target()) return r.fail(400);
    // RFC 9112 §3.2: exactly one Host in an HTTP/1.1 request.
    auto host = r.request_.headers.find("host");
    if (host == r.request_.headers.end()) {
        if (p->http_major == 1 && p->http_minor >= 1) return r.fail(400);
    } else {
        if (host->second.find(',') != std::string::npos) return r.fail(400);
        std::string h = text::to_lower(host->second);
        if (!h.empty() && h.front() == '[') {
            h = h.substr(0, h.find(']') + 1);
        } else if (auto colon = h.find(':'); colon != std::string::npos) {
            h.resize(colon);
        }
        // Outlook for Mac's relay sends names with the root's dot.
        if (!h.empty() && h.back() == '.') h.pop_back();
        r.request_.host = std::move(h);
    }
    // http_parser sets content_length to ULLONG_MAX when none was given.
    if (p->content_length != ULLONG_MAX && p->content_length > r.limits_.max_body_bytes) return r.fail(413);
    auto expect = r.request_.headers.find("expect");
    r.continue_ = expect != r.request_.headers.end() && text::to_lower(expect->second) == "100-continue" &&
                  (p->content_length != ULLONG_MAX ? p->content_length > 0 : (p->flags & F_CHUNKED) != 0);
    return 0;
}

int RequestReader::on_body(http_parser* p, const char* at, std::size_t len) {
    auto& r = self(p);
    if (r.request_.body.size() + len > r.limits_.max_body_bytes) return r.fail(413);
    r.request_.body.append(at, len);
    return 0;
}

int RequestReader::on_message_complete(http_parser* p) {
    auto& r = self(p);
    r.keep_alive_ = http_should_keep_alive(p) != 0 && p->upgrade == 0;
    r.state_ = State::Complete;
    // Stops http_parser_execute here: the caller answers before reading on.
    http_parser_pause(p, 1);
    return 0;
}

}  // namespace mr::webd::proto
