#include "core/store/csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace gossiplab::store::csv {

std::string quoteField(std::string_view field) {
    const bool needs_quotes = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                              (!field.empty() && (field.front() == ' ' || field.back() == ' '));
    if (!needs_quotes) return std::string(field);
    std::string out = "\"";
    for (char c : field) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string formatNumber(double value) {
    if (std::isnan(value)) return {};
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round-trip form
    return std::string(buffer, result.ptr);
}

std::string formatTimestamp(double unix_seconds) {
    if (!std::isfinite(unix_seconds)) return {};
    const auto whole = static_cast<std::time_t>(std::floor(unix_seconds));
    const auto millis = static_cast<int>(std::lround((unix_seconds - static_cast<double>(whole)) * 1000.0));
    std::tm utc{};
    const std::time_t seconds = whole + (millis >= 1000 ? 1 : 0);
    gmtime_r(&seconds, &utc);
    char buffer[40];
    const size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", millis % 1000);
    return std::string(buffer, length) + fraction;
}

void Writer::separate() {
    if (row_started_) out_ << ',';
    row_started_ = true;
}

Writer& Writer::text(std::string_view field) {
    separate();
    out_ << quoteField(field);
    return *this;
}

Writer& Writer::integer(int64_t value) {
    separate();
    out_ << value;
    return *this;
}

Writer& Writer::number(double value) {
    separate();
    out_ << formatNumber(value);
    return *this;
}

Writer& Writer::empty() {
    separate();
    return *this;
}

Writer& Writer::quoted(std::string_view quoted_field) {
    separate();
    out_ << quoted_field;
    return *this;
}

void Writer::endRow() {
    out_ << '\n';
    row_started_ = false;
}

std::optional<std::vector<std::vector<std::string>>> parse(std::string_view text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;       // inside a quoted field
    bool field_started = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c != '"') {
                field += c;
            } else if (i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else {
                quoted = false;
            }
            continue;
        }
        switch (c) {
            case '"': quoted = true; field_started = true; break;
            case ',':
                row.push_back(std::move(field));
                field.clear();
                field_started = true;
                break;
            case '\r': break;  // CRLF line ends
            case '\n':
                row.push_back(std::move(field));
                field.clear();
                rows.push_back(std::move(row));
                row.clear();
                field_started = false;
                break;
            default: field += c; field_started = true;
        }
    }
    if (quoted) return std::nullopt;
    if (field_started || !field.empty() || !row.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace gossiplab::store::csv
