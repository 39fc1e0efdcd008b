// A minimal streaming JSON writer: enough for reports, no dependency. Commas and nesting
// are tracked here so callers cannot produce unbalanced output; strings are escaped per
// RFC 8259 (control characters as \u00XX, bytes >= 0x80 passed through as UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace report {

class JsonWriter {
public:
	JsonWriter& begin_object();
	JsonWriter& end_object();
	JsonWriter& begin_array();
	JsonWriter& end_array();
	// Member name inside an object; the next call writes its value.
	JsonWriter& key(std::string_view k);

	JsonWriter& value(std::string_view s);
	JsonWriter& value(const char* s) { return value(std::string_view(s)); }
	JsonWriter& value(std::int64_t v);
	JsonWriter& value(std::uint64_t v);
	JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
	JsonWriter& value(double v);
	JsonWriter& value(bool v);
	JsonWriter& null();

	// The document; valid once every object and array is closed.
	const std::string& str() const { return out_; }

	// `s` as a quoted, escaped JSON string.
	static std::string quote(std::string_view s);

private:
	void before_value();

	std::string out_;
	// One entry per open container: true once it has a member (a comma is due).
	std::vector<bool> has_member_;
	bool after_key_ = false;
};

} // namespace report
